#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""faultserver: a fault-injecting HTTP/1.1 test server (Python 3 standard library only).

Serves the files under --root on 127.0.0.1 and, when a URL asks for it, misbehaves in
precisely described ways so that an HTTP client's error handling can be tested:

    /<file>                      the file, served correctly
    /fault/<spec>/<file>         the file, with the faults named in <spec> (comma list)
    /stats/<token>               JSON record of the requests made with that token

The full URL grammar, the fault catalogue and the counting rules are in
tests/servers/README.md; `faultserver.py --help-faults` prints a summary.

Run:   faultserver.py --root DIR [--port N | --port 0 --port-file F] [--tls-cert C --tls-key K]
                      [--lifetime S] [--daemon --pid-file P] [--log-file L] [-v]
Stop:  SIGTERM (or SIGINT), or `faultserver.py --stop PIDFILE`.
"""

import argparse
import base64
import email.utils
import http.server
import itertools
import json
import os
import re
import select
import selectors
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse

SERVER_NAME = "faultserver/1"
MAX_WAIT_MS = 600_000          # upper bound of stall= and delay=
MAX_LIFETIME = 86_400          # upper bound of --lifetime
MAX_LOG_ENTRIES = 20_000       # per token; counters keep counting past it
MAX_REQUEST_BODY = 1 << 20     # a GET/HEAD body larger than this closes the connection
INVERT = bytes(255 - i for i in range(256))   # version "b" of a file under `change`
CHANGE_MTIME_SHIFT = 3600      # Last-Modified of version "b" is one hour later

FAULT_HELP = """\
URL grammar (see tests/servers/README.md for the full description):
  /<file>                  plain file (logged under token _plain)
  /fault/<spec>/<file>     spec = item[,item...], item = NAME | NAME:K | NAME=VALUE | NAME=VALUE:K
  /stats/<token>           JSON: requests, get, head, connections, bytes, ranges, log[]
  :K = only the first K requests this fault acts on (counted per URL path and fault)
items:
  id=TOKEN | tTOKEN        token for /stats and for keeping counters apart ([A-Za-z0-9_.-], <=64)
  drop=N[:K]               send N body bytes, then FIN (client sees a short body)
  reset=N[:K]              send N body bytes, then RST (SO_LINGER 0)
  close-early[=M][:K]      honest Content-Length, last M (default 1) body bytes missing, FIN
  stall=MS[:K]             pause MS ms (<= 600000) before body byte stall-at (default: middle)
  stall-at=N               where stall= pauses (body offset)
  delay=MS[:K]             pause MS ms before the response headers
  slow=BPS[:K]             body at BPS bytes per second
  status=CODE[:K]          answer CODE (400..599) instead of the file
  retry-after=S            Retry-After: S on status= answers
  basic=USER:PASS          require HTTP Basic credentials (401 otherwise)
  lie-length=+N|-N[:K]     Content-Length off by N; true body sent, then the connection closed
  no-length[=chunked|close][:K]  no Content-Length: chunked (default) or close-delimited
  norange[:K]              ignore Range, 200 with the whole file, no Accept-Ranges
  badrange[:K]             206 whose Content-Range (and body) is not the range asked for
  change[:K]               after K (default 1) GETs serve version b: bytes inverted,
                           new ETag (suffix -b) and Last-Modified (+1 h)
  no-etag | no-lastmod | weak-etag   validator variants
  redirect=N               chain of N redirects, then the file with the remaining faults
  redirect-code=301|302|303|307|308  code used by redirect items (default 302)
  redirect-loop            endless redirect loop between two URLs
  redirect-to-http         redirect to the same path on the plain HTTP port
  redirect-to-https        redirect to the same path on the TLS port
  garbage-headers[=binary|status|nocolon|huge|nul|dup-length][:K]   malformed response, then close
"""


# ----------------------------------------------------------------------------------------------
# Fault specification
# ----------------------------------------------------------------------------------------------

class SpecError(ValueError):
    pass


TOKEN_RE = re.compile(r"^[A-Za-z0-9.-][A-Za-z0-9_.-]{0,63}$")
BARE_TOKEN_RE = re.compile(r"^t[A-Za-z0-9_.-]{1,63}$")


def _int(lo, hi):
    def parse(name, v):
        if v is None or not re.fullmatch(r"[0-9]{1,12}", v):
            raise SpecError("%s needs an integer value" % name)
        n = int(v)
        if n < lo or n > hi:
            raise SpecError("%s=%d out of range %d..%d" % (name, n, lo, hi))
        return n
    return parse


def _opt_int(lo, hi, default):
    inner = _int(lo, hi)

    def parse(name, v):
        return default if v is None else inner(name, v)
    return parse


def _choice(choices, default=None):
    def parse(name, v):
        if v is None:
            if default is None:
                raise SpecError("%s needs a value (%s)" % (name, "|".join(choices)))
            return default
        if v not in choices:
            raise SpecError("%s=%s: expected one of %s" % (name, v, "|".join(choices)))
        return v
    return parse


def _flag(name, v):
    if v is not None:
        raise SpecError("%s takes no value" % name)
    return True


def _signed(name, v):
    if v is None or not re.fullmatch(r"[+-]?[0-9]{1,12}", v) or int(v) == 0:
        raise SpecError("%s needs a non-zero +N or -N" % name)
    return int(v)


def _token(name, v):
    if v is None or not TOKEN_RE.match(v):
        raise SpecError("bad token %r" % (v,))
    return v


def _userpass(name, v):
    if v is None or ":" not in v:
        raise SpecError("basic needs USER:PASS")
    return tuple(v.split(":", 1))


# name -> (value parser, ":K" allowed)
FAULTS = {
    "id": (_token, False),
    "drop": (_int(0, 1 << 50), True),
    "reset": (_int(0, 1 << 50), True),
    "close-early": (_opt_int(1, 1 << 50, 1), True),
    "stall": (_int(0, MAX_WAIT_MS), True),
    "stall-at": (_int(0, 1 << 50), False),
    "delay": (_int(0, MAX_WAIT_MS), True),
    "slow": (_int(1, 1 << 40), True),
    "status": (_int(400, 599), True),
    "retry-after": (_int(0, 1 << 31), False),
    "basic": (_userpass, False),
    "lie-length": (_signed, True),
    "no-length": (_choice(("chunked", "close"), "chunked"), True),
    "norange": (_flag, True),
    "badrange": (_flag, True),
    "change": (_flag, True),
    "no-etag": (_flag, False),
    "no-lastmod": (_flag, False),
    "weak-etag": (_flag, False),
    "redirect": (_int(1, 50), False),
    "redirect-code": (_choice(("301", "302", "303", "307", "308")), False),
    "redirect-loop": (_choice(("b",), "a"), False),
    "redirect-to-http": (_flag, False),
    "redirect-to-https": (_flag, False),
    "garbage-headers": (_choice(("binary", "status", "nocolon", "huge", "nul", "dup-length"),
                                "binary"), True),
}


class Item:
    __slots__ = ("name", "value", "k", "text")

    def __init__(self, name, value, k, text):
        self.name, self.value, self.k, self.text = name, value, k, text


class Spec:
    """A parsed /fault/<spec>: items by name, plus the original texts for rebuilding URLs."""

    def __init__(self, text, items):
        self.text = text
        self.items = items                      # list of Item, in URL order
        self.by_name = {it.name: it for it in items}
        tok = self.by_name.get("id")
        self.token = tok.value if tok else None

    def __contains__(self, name):
        return name in self.by_name

    def get(self, name):
        it = self.by_name.get(name)
        return it.value if it else None

    def item(self, name):
        return self.by_name.get(name)

    def rebuilt(self, drop=(), replace=None):
        """Spec text without the items named in drop, with replace={name: newtext}."""
        parts = []
        for it in self.items:
            if it.name in drop:
                continue
            if replace and it.name in replace:
                parts.append(replace[it.name])
            else:
                parts.append(it.text)
        return ",".join(parts)

    @classmethod
    def parse(cls, text):
        if not text:
            raise SpecError("empty fault spec")
        items = []
        seen = set()
        for raw in text.split(","):
            if not raw:
                raise SpecError("empty item in fault spec")
            if "=" in raw:
                name, value = raw.split("=", 1)
            else:
                name, value = raw, None
            k = None
            if value is None and ":" in name:
                name, kt = name.split(":", 1)
                k = kt
            elif value is not None and ":" in value and name != "basic":
                value, kt = value.rsplit(":", 1)
                k = kt
            if name not in FAULTS:
                if value is None and k is None and BARE_TOKEN_RE.match(name):
                    name, value = "id", name
                else:
                    raise SpecError("unknown fault %r" % raw)
            parser, k_ok = FAULTS[name]
            if k is not None:
                if not k_ok:
                    raise SpecError("%s does not take :K" % name)
                if not re.fullmatch(r"[0-9]{1,9}", k) or int(k) < 1:
                    raise SpecError("bad :K in %r" % raw)
                k = int(k)
            if name in seen:
                raise SpecError("fault %s given twice" % name)
            seen.add(name)
            items.append(Item(name, parser(name, value), k, raw))
        return cls(text, items)


EMPTY_SPEC = Spec("", [])


# ----------------------------------------------------------------------------------------------
# Shared state: counters, request log, live connections
# ----------------------------------------------------------------------------------------------

class State:
    def __init__(self, root, idle_timeout, verbose):
        self.root = os.path.realpath(root)
        self.idle_timeout = idle_timeout
        self.verbose = verbose
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counters = {}          # (url path, fault name) -> count
        self.tokens = {}            # token -> {"log": [...], counts...}
        self.conn_ids = itertools.count(1)
        self.live = set()           # sockets of open connections
        self.live_cond = threading.Condition(self.lock)
        self.ports = {}             # "http"/"https" -> port

    # counters ------------------------------------------------------------------------------
    def hit(self, key, name):
        """Count one request a fault acts on; returns its 1-based index."""
        with self.lock:
            n = self.counters.get((key, name), 0) + 1
            self.counters[(key, name)] = n
            return n

    def peek(self, key, name):
        with self.lock:
            return self.counters.get((key, name), 0)

    # request log ---------------------------------------------------------------------------
    def log_request(self, token, entry):
        with self.lock:
            t = self.tokens.get(token)
            if t is None:
                t = self.tokens[token] = {"requests": 0, "get": 0, "head": 0, "other": 0,
                                          "conns": set(), "ranges": [], "log": [],
                                          "dropped_log_entries": 0}
            t["requests"] += 1
            m = entry["method"]
            if m == "GET":
                t["get"] += 1
                if len(t["ranges"]) < MAX_LOG_ENTRIES:
                    t["ranges"].append(entry["range"])
            elif m == "HEAD":
                t["head"] += 1
            else:
                t["other"] += 1
            t["conns"].add(entry["conn"])
            entry["seq"] = t["requests"]
            if len(t["log"]) < MAX_LOG_ENTRIES:
                t["log"].append(entry)
            else:
                t["dropped_log_entries"] += 1

    def stats(self, token):
        with self.lock:
            t = self.tokens.get(token)
            if t is None:
                return {"token": token, "requests": 0, "get": 0, "head": 0, "other": 0,
                        "connections": 0, "bytes": 0, "ranges": [], "log": []}
            log = [dict(e) for e in t["log"]]
            for e in log:
                e["faults"] = list(e["faults"])
            return {"token": token, "requests": t["requests"], "get": t["get"],
                    "head": t["head"], "other": t["other"], "connections": len(t["conns"]),
                    "bytes": sum(e["sent"] for e in log), "ranges": list(t["ranges"]),
                    "dropped_log_entries": t["dropped_log_entries"], "log": log}

    # connections ---------------------------------------------------------------------------
    def track(self, sock):
        with self.lock:
            self.live.add(sock)

    def untrack(self, sock):
        with self.lock:
            self.live.discard(sock)
            self.live_cond.notify_all()

    def close_all(self, timeout):
        """Wake every connection thread (shutdown its socket) and wait, bounded, for them."""
        deadline = time.monotonic() + timeout
        with self.lock:
            for s in list(self.live):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            while self.live:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.live_cond.wait(left)
            return len(self.live)

    def say(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("faultserver: " + (fmt % args) + "\n")
            sys.stderr.flush()


class Stopping(Exception):
    pass


class ClosedByFault(Exception):
    """The response ended by closing the connection on purpose."""


# ----------------------------------------------------------------------------------------------
# Request handler
# ----------------------------------------------------------------------------------------------

def http_date(ts):
    return email.utils.formatdate(ts, usegmt=True)


def parse_range(value, size):
    """Single byte range. Returns (start, end_inclusive), 'unsatisfiable', or None (ignore)."""
    m = re.fullmatch(r"\s*bytes\s*=\s*([0-9]*)\s*-\s*([0-9]*)\s*", value or "")
    if not m:
        return None                      # syntax we do not serve (several ranges, other units)
    a, b = m.group(1), m.group(2)
    if a == "" and b == "":
        return None
    if a == "":                          # suffix: last n bytes
        n = int(b)
        if n == 0 or size == 0:
            return "unsatisfiable"
        return (max(0, size - n), size - 1)
    start = int(a)
    end = int(b) if b != "" else size - 1
    if b != "" and end < start:
        return None                      # invalid: ignored (RFC 9110 14.2)
    if start >= size:
        return "unsatisfiable"
    return (start, min(end, size - 1))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER_NAME
    sys_version = ""
    disable_nagle_algorithm = True

    # plumbing ------------------------------------------------------------------------------
    def setup(self):
        self.st = self.server.state
        self.timeout = self.st.idle_timeout
        self.conn_id = next(self.st.conn_ids)
        super().setup()

    def version_string(self):
        return SERVER_NAME

    def log_message(self, fmt, *args):
        self.st.say("%s:%d #%d %s", self.client_address[0], self.client_address[1],
                    self.conn_id, fmt % args)

    def do_GET(self):
        self._guarded(False)

    def do_HEAD(self):
        self._guarded(True)

    def _guarded(self, head):
        self.entry = None
        try:
            self._dispatch(head)
        except ClosedByFault:
            self.close_connection = True
        except (Stopping, OSError, ValueError) as e:
            # client went away, socket timeout, server stopping: end this connection quietly
            self.close_connection = True
            if self.entry is not None:
                self.entry["error"] = "%s: %s" % (type(e).__name__, e)
            self.st.say("#%d ended: %r", self.conn_id, e)
        finally:
            if self.entry is not None:
                self.entry["done"] = True

    def _discard_request_body(self):
        cl = self.headers.get("Content-Length")
        if cl is None:
            return
        try:
            n = int(cl)
        except ValueError:
            n = MAX_REQUEST_BODY + 1
        if n > MAX_REQUEST_BODY or n < 0:
            self.close_connection = True
            return
        while n > 0:
            got = self.rfile.read(min(n, 65536))
            if not got:
                raise ConnectionResetError("request body truncated")
            n -= len(got)

    def _wait(self, ms):
        if self.st.stop.wait(ms / 1000.0):
            raise Stopping("server stopping")

    def _fin(self):
        """Graceful end: FIN after what was sent; the handler then closes the socket."""
        self.close_connection = True
        if self.entry is not None:
            self.entry["done"] = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        raise ClosedByFault()

    def _rst(self):
        """Abortive end: RST (unsent data may be discarded by the kernel)."""
        self.close_connection = True
        if self.entry is not None:
            self.entry["done"] = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            # close the descriptor now; the server's own shutdown/close afterwards are no-ops
            os.close(self.connection.detach())
        except OSError:
            pass
        raise ClosedByFault()

    def _acts(self, spec, key, name, record=True):
        """Does fault `name` act on this request? Counts the request for it if so."""
        it = spec.item(name)
        if it is None:
            return False
        n = self.st.hit(key, name)
        if it.k is not None and n > it.k:
            return False
        if record:
            self.entry["faults"].append(name)
        return True

    def _will_act(self, spec, key, name):
        """Would `name` act on the next counted request (without counting this one)?"""
        it = spec.item(name)
        if it is None:
            return False
        return it.k is None or self.st.peek(key, name) < it.k

    def _simple(self, code, body=b"", headers=(), head=False, close=False):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if body or code not in (204, 304):
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        if close or self.close_connection:
            self.send_header("Connection", "close")
        if self.entry is not None:
            self.entry["status"] = code
            self.entry["done"] = True
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _host_base(self, scheme, port=None):
        host = self.headers.get("Host", "")
        if not re.fullmatch(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?", host):
            host = "127.0.0.1:%d" % self.server.server_port
        if port is not None:
            if host.startswith("["):
                name = host[:host.index("]") + 1]
            else:
                name = host.split(":", 1)[0]
            host = "%s:%d" % (name, port)
        return "%s://%s" % (scheme, host)

    # dispatch ------------------------------------------------------------------------------
    def _dispatch(self, head):
        target = self.path
        proxied = bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", target))
        if proxied:
            path = urllib.parse.urlsplit(target).path or "/"
        else:
            path = target.split("?", 1)[0].split("#", 1)[0]
        path = urllib.parse.unquote(path)
        self._discard_request_body()

        if path.startswith("/stats/"):
            return self._stats(path[len("/stats/"):], head)

        if path.startswith("/fault/"):
            spec_text, sep, file = path[len("/fault/"):].partition("/")
            try:
                spec = Spec.parse(spec_text)
            except SpecError as e:
                return self._simple(400, "bad fault spec: %s\n" % e, head=head)
            if not sep or not file:
                return self._simple(400, "no file after the fault spec\n", head=head)
        else:
            spec, file = EMPTY_SPEC, path.lstrip("/")
        token = spec.token or "_plain"
        if token.startswith("_") and spec.token:
            return self._simple(400, "tokens starting with _ are reserved\n", head=head)

        hdrs = {}
        for k, v in self.headers.items():
            lk = k.lower()
            hdrs[lk] = hdrs[lk] + ", " + v if lk in hdrs else v
        self.entry = {
            "seq": 0, "conn": self.conn_id, "scheme": self.server.scheme,
            "method": self.command, "target": target, "proxied": proxied, "file": file,
            "range": self.headers.get("Range"), "if_range": self.headers.get("If-Range"),
            "headers": hdrs, "status": None, "sent": 0, "faults": [], "version": None,
            "done": False, "error": None, "time": time.time(),
        }
        self.st.log_request(token, self.entry)
        self._serve(spec, path, file, head)

    def _stats(self, token, head):
        body = json.dumps(self.st.stats(token), indent=1).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _serve(self, spec, key, file, head):
        st = self.st

        # --- faults before anything is looked at -----------------------------------------
        if "delay" in spec and self._acts(spec, key, "delay"):
            self._wait(spec.get("delay"))

        if "garbage-headers" in spec and self._acts(spec, key, "garbage-headers"):
            return self._garbage(spec.get("garbage-headers"), spec, file, head)

        if "status" in spec and self._acts(spec, key, "status"):
            code = spec.get("status")
            extra = []
            if "retry-after" in spec:
                extra.append(("Retry-After", str(spec.get("retry-after"))))
            if code == 401:
                extra.append(("WWW-Authenticate", 'Basic realm="faultserver"'))
            elif code == 407:
                extra.append(("Proxy-Authenticate", 'Basic realm="faultserver"'))
            return self._simple(code, "fault: status %d\n" % code, extra, head=head,
                                close=(code == 408))

        if "basic" in spec:
            user, pw = spec.get("basic")
            want = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
            if self.headers.get("Authorization", "").strip() != want:
                self.entry["faults"].append("basic")
                return self._simple(401, "authentication required\n",
                                    [("WWW-Authenticate", 'Basic realm="faultserver"')], head=head)

        # --- redirects ---------------------------------------------------------------------
        code = int(spec.get("redirect-code") or 302)
        if "redirect" in spec:
            n = spec.get("redirect")
            rest = spec.rebuilt(replace={"redirect": "redirect=%d" % (n - 1)}) if n > 1 \
                else spec.rebuilt(drop=("redirect", "redirect-code"))
            return self._redirect(code, self._host_base(self.server.scheme), rest, file, head,
                                  "redirect")
        if "redirect-loop" in spec:
            other = "redirect-loop=b" if spec.get("redirect-loop") == "a" else "redirect-loop"
            rest = spec.rebuilt(replace={"redirect-loop": other})
            return self._redirect(code, self._host_base(self.server.scheme), rest, file, head,
                                  "redirect-loop")
        for name, scheme in (("redirect-to-http", "http"), ("redirect-to-https", "https")):
            if name in spec:
                port = st.ports.get(scheme)
                if port is None:
                    return self._simple(500, "%s: no %s listener\n" % (name, scheme), head=head)
                rest = spec.rebuilt(drop=(name,))
                return self._redirect(code, self._host_base(scheme, port), rest, file, head, name)

        # --- the file ----------------------------------------------------------------------
        full = self._resolve(file)
        if full is None:
            return self._simple(404, "not found\n", head=head)
        try:
            f = open(full, "rb")
        except OSError:
            return self._simple(404, "not found\n", head=head)
        with f:
            return self._serve_file(spec, key, f, head)

    def _redirect(self, code, base, rest, file, head, fault):
        quoted = urllib.parse.quote(file)
        loc = base + ("/fault/%s/%s" % (urllib.parse.quote(rest, safe=",=:+-._~"), quoted)
                      if rest else "/" + quoted)
        self.entry["faults"].append(fault)
        self._simple(code, b"", [("Location", loc)], head=head)

    def _resolve(self, file):
        if "\0" in file:
            return None
        rel = os.path.normpath(file)
        if rel.startswith("..") or os.path.isabs(rel) or rel == ".":
            return None
        full = os.path.realpath(os.path.join(self.st.root, rel))
        if not full.startswith(self.st.root + os.sep) or not os.path.isfile(full):
            return None
        return full

    def _serve_file(self, spec, key, f, head):
        fst = os.fstat(f.fileno())
        size = fst.st_size

        # version (change): GETs count, HEAD reports what the next GET would get
        version = "a"
        if "change" in spec:
            k = spec.item("change").k or 1
            seen = self.st.peek(key, "change") if head else self.st.hit(key, "change") - 1
            if seen >= k:
                version = "b"
                self.entry["faults"].append("change")
        self.entry["version"] = version
        mtime = int(fst.st_mtime) + (CHANGE_MTIME_SHIFT if version == "b" else 0)
        etag = '"%x-%x%s"' % (fst.st_mtime_ns, size, "-b" if version == "b" else "")
        if "weak-etag" in spec:
            etag = "W/" + etag
        show_etag = "no-etag" not in spec
        show_lastmod = "no-lastmod" not in spec
        lastmod = http_date(mtime)

        # range selection (HEAD ignores Range, RFC 9110 14.2)
        rng_hdr = self.headers.get("Range")
        rng = None
        bad_range = False
        norange_now = False
        if not head and rng_hdr is not None:
            if "norange" in spec and self._acts(spec, key, "norange"):
                norange_now = True
            else:
                rng = parse_range(rng_hdr, size)
                if rng is not None:                     # If-Range first (RFC 9110 13.2.2)
                    ir = self.headers.get("If-Range")
                    if ir is not None and not self._if_range_ok(ir.strip(), etag, show_etag,
                                                                mtime, show_lastmod):
                        rng = None
                if isinstance(rng, tuple) and "badrange" in spec and \
                        self._acts(spec, key, "badrange"):
                    bad_range = True
        advertise_ranges = "norange" not in spec or not (
            norange_now or self._will_act(spec, key, "norange"))

        if rng == "unsatisfiable":
            self.send_response(416)
            self.send_header("Content-Range", "bytes */%d" % size)
            self.send_header("Content-Length", "0")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.entry["status"] = 416
            self.entry["done"] = True
            self.end_headers()
            return

        if isinstance(rng, tuple):
            start, end = rng
            if bad_range:
                # claim (and send) a range shifted by one byte from the one asked for
                length = end - start + 1
                start = start - 1 if start > 0 else start + 1
                end = min(start + length - 1, size - 1)
                if start > end:
                    start, end = 0, min(length, size) - 1
            code, offset, length = 206, start, end - start + 1
        else:
            code, offset, length = 200, 0, size

        # header-level faults
        no_length = None
        if "no-length" in spec and self._acts(spec, key, "no-length"):
            no_length = spec.get("no-length")
        lie = 0
        if not head and no_length is None and "lie-length" in spec and \
                self._acts(spec, key, "lie-length"):
            lie = spec.get("lie-length")

        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        if no_length is None:
            self.send_header("Content-Length", str(max(0, length + lie)))
        elif no_length == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        if code == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (offset, offset + length - 1, size))
        if show_lastmod:
            self.send_header("Last-Modified", lastmod)
        if show_etag:
            self.send_header("ETag", etag)
        if advertise_ranges:
            self.send_header("Accept-Ranges", "bytes")
        close_after = bool(lie) or no_length == "close"
        if close_after or self.close_connection:
            self.send_header("Connection", "close")
        self.entry["status"] = code
        if head:
            self.entry["done"] = True
            self.end_headers()
            return
        self.end_headers()
        self._send_body(spec, key, f, offset, length, version == "b",
                        no_length == "chunked", close_after)

    @staticmethod
    def _if_range_ok(ir, etag, show_etag, mtime, show_lastmod):
        if ir.startswith('"') or ir.startswith("W/"):
            # strong comparison: weak tags never match
            return show_etag and not etag.startswith("W/") and ir == etag
        if not show_lastmod:
            return False
        try:
            t = email.utils.parsedate_to_datetime(ir)
        except (TypeError, ValueError, IndexError):
            return False
        if t is None:
            return False
        return int(t.timestamp()) == mtime

    # body ----------------------------------------------------------------------------------
    def _send_body(self, spec, key, f, offset, length, invert, chunked, close_after):
        cut, cut_how = None, None
        for name, how in (("drop", "fin"), ("reset", "rst"), ("close-early", "fin")):
            # counted only when the cut falls inside this body
            if name not in spec:
                continue
            n = spec.get(name)
            at = max(0, length - n) if name == "close-early" else n
            if at < length and self._acts(spec, key, name, record=False):
                if cut is None or at < cut:
                    cut, cut_how, cut_name = at, how, name
        if cut is not None:
            self.entry["faults"].append(cut_name)
        end = length if cut is None else cut
        stall_ms, stall_at = None, None
        if "stall" in spec and length > 0:
            at = spec.get("stall-at")
            at = length // 2 if at is None else min(at, length - 1)
            if at < end and self._acts(spec, key, "stall", record=False):
                stall_ms, stall_at = spec.get("stall"), at
        rate = spec.get("slow") if "slow" in spec and self._acts(spec, key, "slow") else None

        self._pace_t0 = time.monotonic()
        self._pace_sent = 0
        pos = 0
        if stall_ms is not None and stall_at < end:
            self.entry["faults"].append("stall")
            self._span(f, offset, stall_at, invert, chunked, rate)
            pos = stall_at
            self._wait(stall_ms)
            self._pace_t0 = time.monotonic()
            self._pace_sent = 0
        # "done" is set before the last bytes can reach the client, so a client that has
        # read the whole answer always finds its log entry complete in /stats
        if cut is not None:
            self._span(f, offset + pos, end - pos, invert, chunked, rate)
            if cut_how == "rst":
                self._rst()
            self._fin()
        if chunked:
            self._span(f, offset + pos, end - pos, invert, chunked, rate)
            self.entry["done"] = True
            self.wfile.write(b"0\r\n\r\n")
        elif close_after:
            self._span(f, offset + pos, end - pos, invert, chunked, rate)
            self._fin()
        else:
            self.entry["done"] = True
            self._span(f, offset + pos, end - pos, invert, chunked, rate)

    def _span(self, f, off, n, invert, chunked, rate):
        if n <= 0:
            return
        if not invert and not chunked and not rate:
            self.entry["sent"] += n          # counted before the bytes can reach the client
            sent = self.connection.sendfile(f, off, n)
            if sent != n:
                self.entry["sent"] -= n - sent
                raise ConnectionResetError("file shorter than expected")
            return
        step = 65536 if not rate else max(1, min(65536, rate // 20))
        pos = 0
        while pos < n:
            data = os.pread(f.fileno(), min(step, n - pos), off + pos)
            if not data:
                raise ConnectionResetError("file shorter than expected")
            if invert:
                data = data.translate(INVERT)
            if rate:
                wait = self._pace_t0 + self._pace_sent / rate - time.monotonic()
                if wait > 0:
                    self._wait(wait * 1000.0)
            self.entry["sent"] += len(data)
            if chunked:
                self.connection.sendall(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                self.connection.sendall(data)
            pos += len(data)
            self._pace_sent += len(data)

    # garbage -------------------------------------------------------------------------------
    def _garbage(self, mode, spec, file, head):
        self.entry["status"] = 0
        self.close_connection = True
        full = self._resolve(file)
        body = b""
        if full is not None and not head:
            with open(full, "rb") as f:
                body = f.read(1 << 20)
        date = http_date(time.time()).encode()
        if mode == "binary":
            junk = bytes((i * 151 + 17) & 0xFF for i in range(512))
            out = b"\x00\xff\xfeHTTP/1.1\r\n" + junk + b"\r\n\r\n"
        elif mode == "status":
            out = (b"HTTP/1.1 2x0 Maybe\r\nContent-Length: %d\r\nDate: %s\r\n\r\n"
                   % (len(body), date)) + body
        elif mode == "nocolon":
            out = (b"HTTP/1.1 200 OK\r\nDate: %s\r\nThis line is not a header\r\n"
                   b"Content-Length: %d\r\n\r\n" % (date, len(body))) + body
        elif mode == "huge":
            out = (b"HTTP/1.1 200 OK\r\nX-Huge: " + b"h" * (128 * 1024) +
                   b"\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
        elif mode == "nul":
            out = (b"HTTP/1.1 200 OK\r\nX-Nul: a\x00b\r\nContent-Length: %d\r\n\r\n"
                   % len(body)) + body
        else:  # dup-length
            out = (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Length: %d\r\n\r\n"
                   % (len(body), len(body) + 10)) + body
        self.entry["sent"] = len(out)
        self.entry["done"] = True
        self.wfile.write(out)
        self._fin()

    # CONNECT (a tiny tunnelling proxy, loopback targets only) -----------------------------
    def do_CONNECT(self):
        self.entry = {"seq": 0, "conn": self.conn_id, "scheme": self.server.scheme,
                      "method": "CONNECT", "target": self.path, "proxied": True, "file": None,
                      "range": None, "if_range": None,
                      "headers": {k.lower(): v for k, v in self.headers.items()},
                      "status": None, "sent": 0, "faults": [], "version": None, "done": False,
                      "error": None, "time": time.time()}
        self.st.log_request("_connect", self.entry)
        try:
            self._connect()
        except (Stopping, OSError) as e:
            self.entry["error"] = "%s: %s" % (type(e).__name__, e)
        finally:
            self.close_connection = True
            self.entry["done"] = True

    def _connect(self):
        m = re.fullmatch(r"(127\.0\.0\.1|localhost|\[::1\]):([0-9]{1,5})", self.path)
        if not m:
            return self._simple(403, "CONNECT only to loopback\n", close=True)
        try:
            up = socket.create_connection(("127.0.0.1", int(m.group(2))), timeout=5)
        except OSError:
            return self._simple(502, "cannot connect\n", close=True)
        self.st.track(up)
        try:
            self.send_response(200, "Connection established")
            self.end_headers()
            self.entry["status"] = 200
            self.wfile.flush()
            self._relay(self.connection, up)
        finally:
            self.st.untrack(up)
            up.close()

    def _relay(self, a, b):
        a.setblocking(True)
        b.setblocking(True)
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        open_dirs = 2
        try:
            while open_dirs and not self.st.stop.is_set():
                ready = sel.select(self.st.idle_timeout)
                if not ready:
                    return                          # idle too long
                for key, _ in ready:
                    src, dst = key.fileobj, key.data
                    data = src.recv(65536)
                    if not data:
                        sel.unregister(src)
                        open_dirs -= 1
                        try:
                            dst.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                        continue
                    dst.sendall(data)
                    self.entry["sent"] += len(data)
        finally:
            sel.close()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port, state, scheme, tls_ctx=None):
        self.state = state
        self.scheme = scheme
        self.tls_ctx = tls_ctx
        super().__init__(("127.0.0.1", port), Handler)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)       # no getfqdn(): no DNS lookups
        self.server_name = "127.0.0.1"
        self.server_port = self.socket.getsockname()[1]

    def process_request_thread(self, request, client_address):
        conn = request
        try:
            if self.tls_ctx is not None:
                request.settimeout(10)
                conn = self.tls_ctx.wrap_socket(request, server_side=True)
            self.state.track(conn)
            self.RequestHandlerClass(conn, client_address, self)
        except OSError as e:             # a handshake failure, a client that vanished
            self.state.say("connection from %s: %r", client_address, e)
        except Exception:                # a bug: always visible
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            self.state.untrack(conn)
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass
            if conn is not request:
                try:
                    request.close()
                except OSError:
                    pass


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------

def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def daemonize(pid_file, log_file):
    """Double fork; the original process returns only in the grandchild, others exit."""
    r, w = os.pipe()
    pid = os.fork()
    if pid > 0:
        os.close(w)
        with os.fdopen(r, "rb") as rf:
            ok = rf.read(3) == b"ok\n"
        os.waitpid(pid, 0)
        os._exit(0 if ok else 1)
    os.close(r)
    os.setsid()
    pid = os.fork()
    if pid > 0:
        os._exit(0)
    if pid_file:
        write_atomic(pid_file, "%d\n" % os.getpid())
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if log_file \
        else os.open(os.devnull, os.O_WRONLY)
    nul = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nul, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(nul)
    os.close(fd)
    os.write(w, b"ok\n")
    os.close(w)


def _alive(pid):
    """A live process, not a zombie waiting for init to reap it."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def stop_by_pidfile(pid_file, timeout):
    try:
        with open(pid_file) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0                                   # nothing to stop
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            if b"faultserver" not in f.read():
                os.unlink(pid_file)
                return 0                           # stale pid file, pid reused
    except OSError:
        try:
            os.unlink(pid_file)
        except OSError:
            pass
        return 0
    try:
        pfd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        pfd = None
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    gone = False
    if pfd is not None:
        gone = bool(select.select([pfd], [], [], timeout)[0])
    else:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                gone = True
                break
            time.sleep(0.05)
    rc = 0
    if not gone:
        sys.stderr.write("faultserver: pid %d did not exit in %g s, killing\n" % (pid, timeout))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        rc = 1
    if pfd is not None:
        os.close(pfd)
    try:
        os.unlink(pid_file)
    except OSError:
        pass
    return rc


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fault-injecting HTTP/1.1 test server.")
    ap.add_argument("--root", help="directory whose files are served")
    ap.add_argument("--port", type=int, default=0, help="HTTP port (0: any free port)")
    ap.add_argument("--port-file", help="write the port(s) here once listening")
    ap.add_argument("--tls-cert", help="PEM certificate: also serve HTTPS")
    ap.add_argument("--tls-key", help="PEM key of --tls-cert")
    ap.add_argument("--tls-port", type=int, default=0, help="HTTPS port (0: any free port)")
    ap.add_argument("--lifetime", type=float, default=0,
                    help="exit by itself after this many seconds (0: no limit, max %d)"
                    % MAX_LIFETIME)
    ap.add_argument("--idle-timeout", type=float, default=60,
                    help="close keep-alive connections idle this long (s)")
    ap.add_argument("--daemon", action="store_true", help="detach into the background")
    ap.add_argument("--pid-file", help="write the server's pid here")
    ap.add_argument("--log-file", help="with --daemon: stderr goes here")
    ap.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    ap.add_argument("--stop", metavar="PIDFILE", help="stop the server of PIDFILE and wait")
    ap.add_argument("--timeout", type=float, default=10, help="with --stop: wait bound (s)")
    ap.add_argument("--help-faults", action="store_true", help="print the URL grammar")
    a = ap.parse_args(argv)

    if a.help_faults:
        sys.stdout.write(FAULT_HELP)
        return 0
    if a.stop:
        return stop_by_pidfile(a.stop, a.timeout)
    if not a.root or not os.path.isdir(a.root):
        ap.error("--root DIR (an existing directory) is required")
    if a.lifetime < 0 or a.lifetime > MAX_LIFETIME:
        ap.error("--lifetime must be within 0..%d" % MAX_LIFETIME)
    if bool(a.tls_cert) != bool(a.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if a.daemon and not (a.port_file or a.port):
        ap.error("--daemon needs --port-file (or a fixed --port)")

    state = State(a.root, a.idle_timeout, a.verbose)
    servers = [Server(a.port, state, "http")]
    state.ports["http"] = servers[0].server_port
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        servers.append(Server(a.tls_port, state, "https", ctx))
        state.ports["https"] = servers[1].server_port

    if a.port_file:
        text = "%d\n" % state.ports["http"]
        if "https" in state.ports:
            text += "%d\n" % state.ports["https"]
        write_atomic(a.port_file, text)
    if a.daemon:
        daemonize(a.pid_file, a.log_file)
    elif a.pid_file:
        write_atomic(a.pid_file, "%d\n" % os.getpid())

    # SIGTERM/SIGINT are blocked in every thread and taken synchronously by the main thread
    # (no Python-level handler that could interrupt a lock).
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)

    threads = []
    for s in servers:
        t = threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.25},
                             name="accept-" + s.scheme, daemon=True)
        t.start()
        threads.append(t)
    line = " ".join("%s=%d" % (k, v) for k, v in state.ports.items())
    try:
        sys.stdout.write("faultserver: listening %s root=%s\n" % (line, state.root))
        sys.stdout.flush()
    except OSError:
        pass

    if a.lifetime > 0:
        got = signal.sigtimedwait(stop_signals, a.lifetime)
    else:
        got = signal.sigwait(stop_signals)
    state.stop.set()
    state.say("stopping (%s)", "signal %d" % (got.si_signo if hasattr(got, "si_signo") else got)
              if got else "lifetime over")
    for s in servers:
        s.shutdown()
        s.server_close()
    left = state.close_all(5.0)
    if a.pid_file:
        try:
            with open(a.pid_file) as f:
                if f.read().strip() == str(os.getpid()):
                    os.unlink(a.pid_file)
        except OSError:
            pass
    if left:
        state.say("%d connection(s) still open at exit", left)
    return 0


if __name__ == "__main__":
    sys.exit(main())
