#!/bin/bash
# SPDX-License-Identifier: MIT
# nginx-fixture.sh: a private nginx (Debian's /usr/sbin/nginx) on loopback for transfer tests.
#
#   nginx-fixture.sh start DIR [--port N] [--tls-port M]
#       Writes DIR/nginx.conf and starts nginx as a background daemon (pid file DIR/nginx.pid),
#       serving DIR/www over HTTP on 127.0.0.1:N and over HTTPS on 127.0.0.1:M with the
#       certificate of tools/testca.sh DIR/tls. Ports default to free ones picked at start.
#       Waits (bounded) until both ports answer, then writes DIR/ports ("http=N", "https=M"),
#       DIR/http_port and DIR/https_port (bare numbers) and prints the same lines plus the
#       CA path. Starting a running fixture again keeps it (unless other ports are asked for).
#       /slow/NAME serves DIR/www/NAME at 1 MB/s per connection.
#   nginx-fixture.sh start-cache DIR
#       A second nginx in DIR as Delivery Optimization cache hosts on loopback, each port one
#       kind (written to DIR/ports as name=port, and DIR/<name>_port):
#         cache  a proxy_cache in front of the origin named by the cacheHostOrigin query
#                parameter (Connected Cache's URL form), one origin request per file at a time
#         e502   answers every request with 502;  e404  with 404
#         other  serves DIR/other (a different file under the same name: a wrong cache)
#         down   a free port nothing listens on (picked at start; free when checked)
#       Its access log (DIR/logs/access.log) has cache=<HIT|MISS|...> and ms=<epoch ms>.
#   nginx-fixture.sh stop DIR            stop it and wait (bounded) for the exit; idempotent
#   nginx-fixture.sh status DIR          exit 0 and print the ports if running
#   nginx-fixture.sh genfile DIR NAME SIZE
#       DIR/www/NAME of SIZE bytes (suffixes K, M, G = 1024-based), deterministic content:
#       AES-128-CTR keystream, key 000102..0f, IV = first 16 bytes of SHA-256(NAME).
#       Kept as is when it already has that size.
#   nginx-fixture.sh genmany DIR PREFIX COUNT SIZE
#       COUNT files DIR/www/PREFIX0000 .. (at least 4 digits) of SIZE bytes each, cut from one
#       keystream (IV from SHA-256(PREFIX)). Kept as is when all exist with that size.
#
# Everything nginx writes (pid, logs, temp files) stays in DIR. Running as root, the workers run
# as root too (`user root ...;`) so they can read a private DIR; otherwise no user directive.
set -eu

NGINX=${NGINX:-/usr/sbin/nginx}
HERE=$(cd "$(dirname "$0")" && pwd)
START_TIMEOUT=${NGINX_FIXTURE_TIMEOUT:-15}   # seconds, for start and stop

die() { echo "nginx-fixture.sh: $*" >&2; exit 1; }
usage() {
    sed -n '3,32p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

absdir() { mkdir -p "$1" && (cd "$1" && pwd); }

# size with optional K/M/G suffix -> bytes
parse_size() {
    local s=$1 n mult=1
    case $s in
        *[kK]) n=${s%?}; mult=1024 ;;
        *M) n=${s%?}; mult=$((1024 * 1024)) ;;
        *G) n=${s%?}; mult=$((1024 * 1024 * 1024)) ;;
        *) n=$s ;;
    esac
    case $n in ''|*[!0-9]*) die "bad size: $s" ;; esac
    echo $((10#$n * mult))
}

check_name() {
    case /$1/ in
        *//*|*/../*|*/./*) die "bad name: $1" ;;
    esac
    case $1 in /*) die "name must be relative: $1" ;; esac
}

# keystream of $2 bytes with IV derived from $1, to stdout
keystream() {
    local iv
    iv=$(printf '%s' "$1" | openssl dgst -sha256 -r | cut -c1-32)
    head -c "$2" /dev/zero |
        openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv "$iv"
}

# true while $1 is a live (not zombie) process: a daemon's zombie may wait a while for init
alive() {
    local state
    state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' /proc/"$1"/stat 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

fsize() { stat -c %s "$1" 2>/dev/null || echo -1; }

cmd_genfile() {
    [ $# -eq 3 ] || usage
    local dir name size path tmp
    dir=$(absdir "$1"); name=$2; size=$(parse_size "$3")
    check_name "$name"
    path=$dir/www/$name
    mkdir -p "$(dirname "$path")"
    if [ "$(fsize "$path")" != "$size" ]; then
        tmp=$path.tmp.$$
        keystream "$name" "$size" > "$tmp"
        [ "$(fsize "$tmp")" = "$size" ] || { rm -f "$tmp"; die "could not generate $path"; }
        mv -f "$tmp" "$path"
    fi
    echo "$path"
}

cmd_genmany() {
    [ $# -eq 4 ] || usage
    local dir prefix count size width sub base tmp have
    dir=$(absdir "$1"); prefix=$2; count=$3; size=$(parse_size "$4")
    check_name "${prefix}0"
    case $count in ''|*[!0-9]*) die "bad count: $count" ;; esac
    count=$((10#$count))
    if [ "$count" -lt 1 ] || [ "$size" -lt 1 ]; then
        die "COUNT and SIZE must be at least 1"
    fi
    width=${#count}
    [ $((count - 1)) -lt $((10 ** (width - 1))) ] && width=$((width - 1))   # digits of COUNT-1
    [ "$width" -lt 4 ] && width=4
    sub=$(dirname "$dir/www/$prefix"); base=$(basename "$prefix")
    mkdir -p "$sub"
    have=$(find "$sub" -maxdepth 1 -type f -name "$base*" -size "${size}c" -regextype posix-extended \
           -regex ".*/$(printf '%s' "$base" | sed 's/[][\.*^$+?(){}|/]/\\&/g')[0-9]{$width}" | wc -l)
    if [ "$have" -ne "$count" ]; then
        tmp=$(mktemp -d "$sub/.genmany.XXXXXX")
        keystream "$prefix" $((count * size)) | split -b "$size" -d -a "$width" - "$tmp/$base"
        # move into place in one pass (mv takes many names at once)
        find "$tmp" -maxdepth 1 -type f -exec mv -f -t "$sub" {} +
        rmdir "$tmp"
    fi
    printf '%s/www/%s%0*d .. %s/www/%s%0*d\n' "$dir" "$prefix" "$width" 0 "$dir" "$prefix" "$width" $((count - 1))
}

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

nginx_pid() {   # prints the pid of the fixture's running nginx master, or fails
    local dir=$1 pid
    [ -s "$dir/nginx.pid" ] || return 1
    pid=$(cat "$dir/nginx.pid" 2>/dev/null) || return 1
    case $pid in ''|*[!0-9]*) return 1 ;; esac
    [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = nginx ] || return 1
    alive "$pid" || return 1
    echo "$pid"
}

# true when the port answers HTTP (any status); $2 = https adds --cacert
answers() {
    local port=$1 scheme=$2 dir=$3
    if [ "$scheme" = https ]; then
        curl -s -o /dev/null --max-time 2 --cacert "$dir/tls/ca.crt" "https://127.0.0.1:$port/.fixture-probe"
    else
        curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/.fixture-probe"
    fi
}

# The start of both configurations: workers, pid, error log, events (to stdout).
conf_preamble() {
    local dir=$1
    if [ "$(id -u)" = 0 ]; then
        echo "user $(id -un) $(id -gn);"
    fi
    cat <<EOF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;

events {
    worker_connections 1024;
}
EOF
}

# Where nginx keeps its temporary files (inside the http block).
conf_temp_paths() {
    local dir=$1
    cat <<EOF
    client_body_temp_path $dir/tmp/client_body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
EOF
}

write_conf() {
    local dir=$1 port=$2 tls_port=$3
    cat > "$dir/nginx.conf.tmp" <<EOF
# Generated by tools/nginx-fixture.sh; rewritten at every start.
$(conf_preamble "$dir")

http {
    log_format fixture '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                       'range="\$http_range" if_range="\$http_if_range" '
                       'conn=\$connection req=\$connection_requests t=\$request_time ms=\$msec';
    access_log $dir/logs/access.log fixture;

$(conf_temp_paths "$dir")

    types { }
    default_type application/octet-stream;

    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 100000;
    etag on;

    server {
        listen 127.0.0.1:$port default_server;
        listen 127.0.0.1:$tls_port ssl default_server;
        server_name localhost 127.0.0.1;

        ssl_certificate $dir/tls/server.crt;
        ssl_certificate_key $dir/tls/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:fixture:1m;

        root $dir/www;
        location / {
        }
        # the same files at 1 MB/s per connection (tests that must act mid-transfer)
        location /slow/ {
            alias $dir/www/;
            limit_rate 1m;
        }
        # readiness probe of this script; not a file, not logged
        location = /.fixture-probe {
            access_log off;
            return 204;
        }
    }
}
EOF
    mv -f "$dir/nginx.conf.tmp" "$dir/nginx.conf"
}

print_ports() {
    local dir=$1
    cat "$dir/ports"
    echo "www=$dir/www"
    echo "ca_cert=$dir/tls/ca.crt"
}

cmd_start() {
    [ $# -ge 1 ] || usage
    local dir want_port="" want_tls="" port tls_port pid deadline ok
    dir=$(absdir "$1"); shift
    while [ $# -gt 0 ]; do
        case $1 in
            --port) [ $# -ge 2 ] || usage; want_port=$2; shift 2 ;;
            --port=*) want_port=${1#*=}; shift ;;
            --tls-port) [ $# -ge 2 ] || usage; want_tls=$2; shift 2 ;;
            --tls-port=*) want_tls=${1#*=}; shift ;;
            *) usage ;;
        esac
    done
    for p in "$want_port" "$want_tls"; do
        case $p in ''|[0-9]*) ;; *) die "bad port: $p" ;; esac
        case $p in *[!0-9]*) die "bad port: $p" ;; esac
    done
    [ -x "$NGINX" ] || die "$NGINX not found (apt-get install nginx-light)"
    command -v curl >/dev/null 2>&1 || die "curl not found"

    if pid=$(nginx_pid "$dir") && [ -s "$dir/ports" ]; then
        port=$(cat "$dir/http_port"); tls_port=$(cat "$dir/https_port")
        if { [ -z "$want_port" ] || [ "$want_port" = "$port" ]; } &&
           { [ -z "$want_tls" ] || [ "$want_tls" = "$tls_port" ]; } &&
           answers "$port" http "$dir" && answers "$tls_port" https "$dir"; then
            print_ports "$dir"
            return 0
        fi
        cmd_stop "$dir" >/dev/null
    fi

    mkdir -p "$dir/www" "$dir/logs" "$dir/tmp/client_body" "$dir/tmp/proxy" \
             "$dir/tmp/fastcgi" "$dir/tmp/uwsgi" "$dir/tmp/scgi"
    "$HERE/testca.sh" "$dir/tls" >/dev/null
    rm -f "$dir/ports" "$dir/http_port" "$dir/https_port"

    for _ in 1 2 3 4 5; do
        port=${want_port:-$(free_port)}
        tls_port=${want_tls:-$(free_port)}
        [ "$port" != "$tls_port" ] || continue
        write_conf "$dir" "$port" "$tls_port"
        : > "$dir/logs/start.log"
        if "$NGINX" -q -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
                >"$dir/logs/start.log" 2>&1; then
            ok=1
            break
        fi
        ok=0
        # an auto-picked port taken in the meantime: try others; anything else is fatal
        if [ -n "$want_port$want_tls" ] || ! grep -q "Address already in use" "$dir/logs/start.log"; then
            break
        fi
    done
    [ "${ok:-0}" = 1 ] || { cat "$dir/logs/start.log" >&2; die "nginx did not start (see $dir/logs/error.log)"; }

    # nginx has bound its sockets before daemonising; wait (bounded) until both answer
    deadline=$((SECONDS + START_TIMEOUT))
    until answers "$port" http "$dir" && answers "$tls_port" https "$dir"; do
        if [ $SECONDS -ge $deadline ] || ! nginx_pid "$dir" >/dev/null; then
            tail -n 20 "$dir/logs/error.log" >&2 || true
            cmd_stop "$dir" >/dev/null 2>&1 || true
            die "nginx is not answering on 127.0.0.1:$port / :$tls_port"
        fi
        sleep 0.05
    done
    printf 'http=%s\nhttps=%s\n' "$port" "$tls_port" > "$dir/ports.tmp"
    echo "$port" > "$dir/http_port"
    echo "$tls_port" > "$dir/https_port"
    mv -f "$dir/ports.tmp" "$dir/ports"
    print_ports "$dir"
}

write_cache_conf() {
    local dir=$1 cache=$2 e502=$3 e404=$4 other=$5 probe
    probe='location = /.fixture-probe { access_log off; return 204; }'
    cat > "$dir/nginx.conf.tmp" <<EOF
# Generated by tools/nginx-fixture.sh start-cache; rewritten at every start.
$(conf_preamble "$dir")

http {
    log_format cachehost '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                         'range="\$http_range" if_range="\$http_if_range" '
                         'cache=\$upstream_cache_status ms=\$msec';
    access_log $dir/logs/access.log cachehost;

$(conf_temp_paths "$dir")
    proxy_cache_path $dir/cache levels=1:2 keys_zone=fixture_cache:10m max_size=4g inactive=1h
                     use_temp_path=off;

    types { }
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65s;
    keepalive_requests 100000;

    # The README's cache-host configuration ("Fleets: cache hosts"), with loopback test origins
    # as the only ones it may fetch from.
    map \$arg_cacheHostOrigin \$do_origin {
        default "";
        "~^127\.0\.0\.1:[0-9]+\$" \$arg_cacheHostOrigin;
    }
    server {
        listen 127.0.0.1:$cache;
        $probe
        location / {
            if (\$do_origin = "") {
                return 403;
            }
            proxy_pass http://\$do_origin;
            proxy_set_header Host \$do_origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache fixture_cache;
            proxy_cache_key \$do_origin\$uri\$is_args\$args;
            proxy_cache_valid 200 30d;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 1h;
            proxy_cache_lock_age 1h;
            proxy_cache_use_stale error timeout updating;
        }
    }
    server {
        listen 127.0.0.1:$e502;
        $probe
        location / { return 502; }
    }
    server {
        listen 127.0.0.1:$e404;
        $probe
        location / { return 404; }
    }
    server {
        listen 127.0.0.1:$other;
        $probe
        root $dir/other;
        etag on;
    }
}
EOF
    mv -f "$dir/nginx.conf.tmp" "$dir/nginx.conf"
}

cmd_start_cache() {
    [ $# -eq 1 ] || usage
    local dir pid ports p deadline ok name
    dir=$(absdir "$1")
    [ -x "$NGINX" ] || die "$NGINX not found (apt-get install nginx-light)"
    command -v curl >/dev/null 2>&1 || die "curl not found"
    if pid=$(nginx_pid "$dir") && [ -s "$dir/ports" ]; then
        ok=1
        for name in cache e502 e404 other; do
            answers "$(cat "$dir/${name}_port")" http "$dir" || ok=0
        done
        if [ "$ok" = 1 ]; then
            cat "$dir/ports"
            return 0
        fi
        cmd_stop "$dir" >/dev/null
    fi
    mkdir -p "$dir/other" "$dir/cache" "$dir/logs" "$dir/tmp/client_body" "$dir/tmp/proxy" \
             "$dir/tmp/fastcgi" "$dir/tmp/uwsgi" "$dir/tmp/scgi"
    rm -f "$dir/ports" "$dir"/*_port
    ok=0
    for _ in 1 2 3 4 5; do
        ports=""
        for _p in 1 2 3 4 5; do ports="$ports $(free_port)"; done
        # shellcheck disable=SC2086
        set -- $ports
        [ "$(printf '%s\n' "$@" | sort -u | wc -l)" = 5 ] || continue
        write_cache_conf "$dir" "$1" "$2" "$3" "$4"
        : > "$dir/logs/start.log"
        if "$NGINX" -q -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
                >"$dir/logs/start.log" 2>&1; then
            ok=1
            break
        fi
        grep -q "Address already in use" "$dir/logs/start.log" || break
    done
    [ "$ok" = 1 ] || { cat "$dir/logs/start.log" >&2; die "the cache nginx did not start"; }
    deadline=$((SECONDS + START_TIMEOUT))
    for p in "$1" "$2" "$3" "$4"; do
        until answers "$p" http "$dir"; do
            if [ $SECONDS -ge $deadline ] || ! nginx_pid "$dir" >/dev/null; then
                tail -n 20 "$dir/logs/error.log" >&2 || true
                cmd_stop "$dir" >/dev/null 2>&1 || true
                die "the cache nginx is not answering on 127.0.0.1:$p"
            fi
            sleep 0.05
        done
    done
    echo "$1" > "$dir/cache_port"
    echo "$2" > "$dir/e502_port"
    echo "$3" > "$dir/e404_port"
    echo "$4" > "$dir/other_port"
    echo "$5" > "$dir/down_port"
    printf 'cache=%s\ne502=%s\ne404=%s\nother=%s\ndown=%s\n' "$1" "$2" "$3" "$4" "$5" > "$dir/ports.tmp"
    mv -f "$dir/ports.tmp" "$dir/ports"
    cat "$dir/ports"
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local dir pid deadline
    dir=$(absdir "$1")
    if pid=$(nginx_pid "$dir"); then
        kill -TERM "$pid" 2>/dev/null || true       # fast shutdown
        deadline=$((SECONDS + START_TIMEOUT))
        while alive "$pid"; do
            if [ $SECONDS -ge $deadline ]; then
                echo "nginx-fixture.sh: nginx $pid did not exit, killing it" >&2
                for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do   # its workers
                    kill -KILL "$child" 2>/dev/null || true
                done
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.05
        done
        echo "stopped nginx $pid"
    fi
    rm -f "$dir/nginx.pid" "$dir/ports" "$dir"/*_port
}

cmd_status() {
    [ $# -eq 1 ] || usage
    local dir pid
    dir=$(absdir "$1")
    pid=$(nginx_pid "$dir") || { echo "not running"; return 1; }
    echo "pid=$pid"
    print_ports "$dir"
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case $cmd in
    start) cmd_start "$@" ;;
    start-cache) cmd_start_cache "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    genfile) cmd_genfile "$@" ;;
    genmany) cmd_genmany "$@" ;;
    -h|--help|help) usage ;;
    *) usage ;;
esac
