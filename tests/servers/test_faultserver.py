#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Self-tests of tools/faultserver.py (standard library unittest + http.client).

Run: python3 tests/servers/test_faultserver.py [-v]
One server (HTTP, plus HTTPS when openssl is there) is started for the module; tests that need
their own process (lifetime, signals, daemon mode) start one more. Every wait is bounded.
"""

import base64
import hashlib
import http.client
import json
import os
import random
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.normpath(os.path.join(HERE, "..", "..", "tools"))
FAULTSERVER = os.path.join(TOOLS, "faultserver.py")
TESTCA = os.path.join(TOOLS, "testca.sh")
TIMEOUT = 10.0                       # seconds, bound of every network wait in these tests

DATA = random.Random(1234).randbytes(100_000)
INVERTED = bytes(255 - b for b in DATA)
SIZE = len(DATA)

_tmp = None
_proc = None
PORT = None
TLS_PORT = None
CA_CERT = None


def start_server(args, tmp, name="srv"):
    """Start faultserver, wait (bounded, on its stdout) until it listens; returns (proc, ports)."""
    port_file = os.path.join(tmp, name + ".port")
    with open(os.path.join(tmp, name + ".log"), "ab") as log:     # -v: one line per request
        proc = subprocess.Popen([sys.executable, FAULTSERVER, "-v", "--port", "0",
                                 "--port-file", port_file] + args,
                                stdout=subprocess.PIPE, stderr=log)
    ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
    line = proc.stdout.readline().decode() if ready else ""
    if "listening" not in line:
        proc.kill()
        proc.wait(timeout=TIMEOUT)
        raise RuntimeError("faultserver did not start: %r %s" % (line, server_log(tmp, name)))
    with open(port_file) as f:
        ports = [int(x) for x in f.read().split()]
    return proc, ports


def server_log(tmp, name="srv"):
    try:
        with open(os.path.join(tmp, name + ".log"), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def setUpModule():
    global _tmp, _proc, PORT, TLS_PORT, CA_CERT
    _tmp = tempfile.mkdtemp(prefix="faultserver-test-")
    root = os.path.join(_tmp, "root")
    os.makedirs(os.path.join(root, "sub"))
    with open(os.path.join(root, "a.bin"), "wb") as f:
        f.write(DATA)
    with open(os.path.join(root, "sub", "b.bin"), "wb") as f:
        f.write(DATA[:5000])
    open(os.path.join(root, "empty.bin"), "wb").close()
    with open(os.path.join(_tmp, "secret.txt"), "w") as f:
        f.write("outside the root\n")
    args = ["--root", root]
    if shutil.which("openssl"):
        out = subprocess.run([TESTCA, os.path.join(_tmp, "ca")], check=True, timeout=60,
                             capture_output=True, text=True).stdout
        paths = dict(line.split("=", 1) for line in out.split())
        CA_CERT = paths["ca_cert"]
        args += ["--tls-cert", paths["server_cert"], "--tls-key", paths["server_key"]]
    _proc, ports = start_server(args, _tmp)
    PORT = ports[0]
    TLS_PORT = ports[1] if len(ports) > 1 else None


def tearDownModule():
    if _proc is not None:
        _proc.send_signal(signal.SIGTERM)
        try:
            rc = _proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _proc.kill()
            _proc.wait(timeout=TIMEOUT)
            raise
        _proc.stdout.close()
        log = server_log(_tmp)
        if rc != 0:
            raise RuntimeError("faultserver exited with %d:\n%s" % (rc, log[-4000:]))
        if "Traceback" in log:
            raise RuntimeError("faultserver logged an exception:\n%s" % log[-4000:])
    if _tmp and os.environ.get("FAULTSERVER_TEST_KEEP"):
        sys.stderr.write("\nkept %s (server log: srv.log)\n" % _tmp)
    elif _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------------

class Resp:
    """What a client saw: status, headers, the body bytes received, and how it ended."""

    def __init__(self, status, headers, body, error=None, reason=""):
        self.status, self.headers, self.body, self.error, self.reason = \
            status, headers, body, error, reason

    def h(self, name):
        return self.headers.get(name.lower())


def conn(port=None, tls=False, timeout=TIMEOUT):
    if tls:
        ctx = ssl.create_default_context(cafile=CA_CERT)
        return http.client.HTTPSConnection("127.0.0.1", port or TLS_PORT, timeout=timeout,
                                           context=ctx)
    return http.client.HTTPConnection("127.0.0.1", port or PORT, timeout=timeout)


def request(path, headers=None, method="GET", c=None, tls=False, timeout=TIMEOUT, port=None):
    own = c is None
    if own:
        c = conn(port=port, tls=tls, timeout=timeout)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        hdrs = {}
        for k, v in r.getheaders():
            k = k.lower()
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
        try:
            body, err = r.read(), None
        except http.client.IncompleteRead as e:
            body, err = e.partial, e
        except (ConnectionError, OSError) as e:
            body, err = b"", e
        return Resp(r.status, hdrs, body, err, r.reason)
    finally:
        if own:
            c.close()


def raw(data, port=None, timeout=TIMEOUT):
    """Send raw bytes, read until the server closes (bounded); returns all bytes received."""
    s = socket.create_connection(("127.0.0.1", port or PORT), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            out += b
        return out
    finally:
        s.close()


def stats(token):
    r = request("/stats/" + token)
    assert r.status == 200, r.status
    return json.loads(r.body)


class Base(unittest.TestCase):
    def token(self, suffix=""):
        return "t" + hashlib.sha1((self.id() + suffix).encode()).hexdigest()[:12]

    def url(self, spec, file="a.bin", tok=None):
        tok = tok or self.token()
        return "/fault/%s%s/%s" % (tok, "," + spec if spec else "", file)


# ------------------------------------------------------------------------------------------------

class PlainFiles(Base):
    def test_get_and_head(self):
        r = request("/a.bin")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, DATA)
        self.assertEqual(r.h("content-length"), str(SIZE))
        self.assertEqual(r.h("accept-ranges"), "bytes")
        self.assertTrue(r.h("etag").startswith('"'))
        self.assertIsNotNone(r.h("last-modified"))
        h = request("/a.bin", method="HEAD")
        self.assertEqual(h.status, 200)
        self.assertEqual(h.body, b"")
        for name in ("content-length", "etag", "last-modified", "accept-ranges"):
            self.assertEqual(h.h(name), r.h(name), name)

    def test_subdir_empty_missing_traversal(self):
        self.assertEqual(request("/sub/b.bin").body, DATA[:5000])
        r = request("/empty.bin")
        self.assertEqual((r.status, r.body, r.h("content-length")), (200, b"", "0"))
        self.assertEqual(request("/nope.bin").status, 404)
        self.assertEqual(request("/sub").status, 404)
        self.assertEqual(request("/../secret.txt").status, 404)
        self.assertEqual(request("/%2e%2e/secret.txt").status, 404)
        self.assertEqual(request(self.url("", "../secret.txt")).status, 404)
        self.assertEqual(request(self.url("", "%2e%2e%2fsecret.txt")).status, 404)

    def test_ranges(self):
        cases = [("bytes=0-9", 0, 9), ("bytes=1000-1999", 1000, 1999), ("bytes=99990-", 99990, SIZE - 1),
                 ("bytes=-10", SIZE - 10, SIZE - 1), ("bytes=50-999999", 50, SIZE - 1),
                 ("bytes=-200000", 0, SIZE - 1), ("bytes=99999-99999", SIZE - 1, SIZE - 1)]
        for rng, a, b in cases:
            r = request("/a.bin", {"Range": rng})
            self.assertEqual(r.status, 206, rng)
            self.assertEqual(r.h("content-range"), "bytes %d-%d/%d" % (a, b, SIZE), rng)
            self.assertEqual(r.h("content-length"), str(b - a + 1), rng)
            self.assertEqual(r.body, DATA[a:b + 1], rng)

    def test_unsatisfiable_and_ignored_ranges(self):
        for rng in ("bytes=100000-", "bytes=200000-300000", "bytes=-0"):
            r = request("/a.bin", {"Range": rng})
            self.assertEqual(r.status, 416, rng)
            self.assertEqual(r.h("content-range"), "bytes */%d" % SIZE, rng)
        r = request("/empty.bin", {"Range": "bytes=0-"})
        self.assertEqual((r.status, r.h("content-range")), (416, "bytes */0"))
        # several ranges, inverted ranges, other units: ignored -> 200 with the whole file
        for rng in ("bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=x-"):
            r = request("/a.bin", {"Range": rng})
            self.assertEqual((r.status, r.body), (200, DATA), rng)
        # HEAD ignores Range
        r = request("/a.bin", {"Range": "bytes=0-9"}, method="HEAD")
        self.assertEqual((r.status, r.h("content-length")), (200, str(SIZE)))

    def test_if_range(self):
        first = request("/a.bin", method="HEAD")
        etag, lastmod = first.h("etag"), first.h("last-modified")
        r = request("/a.bin", {"Range": "bytes=10-19", "If-Range": etag})
        self.assertEqual((r.status, r.body), (206, DATA[10:20]))
        r = request("/a.bin", {"Range": "bytes=10-19", "If-Range": '"other"'})
        self.assertEqual((r.status, r.body), (200, DATA))
        r = request("/a.bin", {"Range": "bytes=10-19", "If-Range": lastmod})
        self.assertEqual((r.status, r.body), (206, DATA[10:20]))
        r = request("/a.bin", {"Range": "bytes=10-19", "If-Range": "Mon, 01 Jan 2001 00:00:00 GMT"})
        self.assertEqual(r.status, 200)
        # a failed If-Range makes even an unsatisfiable Range irrelevant
        r = request("/a.bin", {"Range": "bytes=200000-", "If-Range": '"other"'})
        self.assertEqual((r.status, r.body), (200, DATA))
        r = request("/a.bin", {"Range": "bytes=200000-", "If-Range": etag})
        self.assertEqual(r.status, 416)
        # weak validators never satisfy If-Range
        w = request(self.url("weak-etag"), method="HEAD").h("etag")
        self.assertTrue(w.startswith('W/"'))
        r = request(self.url("weak-etag"), {"Range": "bytes=10-19", "If-Range": w})
        self.assertEqual(r.status, 200)

    def test_validator_variants(self):
        r = request(self.url("no-etag"), method="HEAD")
        self.assertIsNone(r.h("etag"))
        self.assertIsNotNone(r.h("last-modified"))
        r = request(self.url("no-lastmod,no-etag"), method="HEAD")
        self.assertIsNone(r.h("etag"))
        self.assertIsNone(r.h("last-modified"))

    def test_keep_alive(self):
        tok = self.token()
        c = conn()
        try:
            for rng in (None, "bytes=0-99", None):
                r = request(self.url("", tok=tok), {"Range": rng} if rng else {}, c=c)
                self.assertIn(r.status, (200, 206))
                self.assertIsNone(r.error)
            r = request(self.url("", tok=tok), method="HEAD", c=c)
            self.assertEqual(r.status, 200)
        finally:
            c.close()
        st = stats(tok)
        self.assertEqual((st["requests"], st["get"], st["head"], st["connections"]), (4, 3, 1, 1))
        self.assertEqual(st["ranges"], [None, "bytes=0-99", None])
        self.assertEqual(len({e["conn"] for e in st["log"]}), 1)

    def test_http10_closes(self):
        out = raw(b"GET /sub/b.bin HTTP/1.0\r\n\r\n")
        head, _, body = out.partition(b"\r\n\r\n")
        self.assertIn(b" 200 ", head.split(b"\r\n")[0])
        self.assertIn(b"Connection: close", head)
        self.assertEqual(body, DATA[:5000])

    def test_request_body_discarded(self):
        # a GET with a body, then a second request on the same connection
        out = raw(b"GET /sub/b.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                  b"GET /sub/b.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(out.count(b"HTTP/1.1 200 OK"), 2)


class CutFaults(Base):
    def test_drop_then_resume(self):
        tok = self.token()
        r = request(self.url("drop=1000:1", tok=tok))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.h("content-length"), str(SIZE))
        self.assertIsInstance(r.error, http.client.IncompleteRead)
        self.assertEqual(r.body, DATA[:1000])
        r2 = request(self.url("drop=1000:1", tok=tok), {"Range": "bytes=1000-"})
        self.assertEqual((r2.status, r2.error), (206, None))
        self.assertEqual(r.body + r2.body, DATA)
        st = stats(tok)
        self.assertEqual(st["ranges"], [None, "bytes=1000-"])
        self.assertEqual([e["faults"] for e in st["log"]], [["drop"], []])
        self.assertEqual([e["sent"] for e in st["log"]], [1000, SIZE - 1000])
        self.assertTrue(all(e["done"] for e in st["log"]))

    def test_drop_every_time_relative_to_body(self):
        tok = self.token()
        r = request(self.url("drop=300", tok=tok))
        self.assertEqual(r.body, DATA[:300])
        r = request(self.url("drop=300", tok=tok), {"Range": "bytes=500-"})
        self.assertEqual((r.status, r.body), (206, DATA[500:800]))
        self.assertIsNotNone(r.error)

    def test_drop_counts_only_when_it_cuts(self):
        tok = self.token()
        r = request(self.url("drop=1000:1", tok=tok), {"Range": "bytes=0-9"})
        self.assertEqual((r.status, r.body, r.error), (206, DATA[:10], None))
        r = request(self.url("drop=1000:1", tok=tok))
        self.assertEqual(r.body, DATA[:1000])
        r = request(self.url("drop=1000:1", tok=tok))
        self.assertEqual((r.body, r.error), (DATA, None))

    def test_drop_zero_and_head(self):
        tok = self.token()
        h = request(self.url("drop=0:1", tok=tok), method="HEAD")
        self.assertEqual((h.status, h.h("content-length")), (200, str(SIZE)))
        r = request(self.url("drop=0:1", tok=tok))
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertIsNotNone(r.error)
        self.assertEqual(request(self.url("drop=0:1", tok=tok)).body, DATA)

    def test_reset(self):
        tok = self.token()
        try:
            r = request(self.url("reset=5000:1", tok=tok))
            self.assertIsNotNone(r.error)
            self.assertLessEqual(len(r.body), 5000)
            self.assertEqual(r.body, DATA[:len(r.body)])
        except ConnectionResetError:
            pass
        self.assertEqual(stats(tok)["log"][0]["faults"], ["reset"])
        r = request(self.url("reset=5000:1", tok=tok))
        self.assertEqual((r.body, r.error), (DATA, None))

    def test_close_early(self):
        r = request(self.url("close-early"))
        self.assertEqual(r.h("content-length"), str(SIZE))
        self.assertEqual(r.body, DATA[:-1])
        self.assertIsInstance(r.error, http.client.IncompleteRead)
        r = request(self.url("close-early=100:1", tok=self.token("x")), {"Range": "bytes=1000-1999"})
        self.assertEqual((r.status, r.body), (206, DATA[1000:1900]))
        r = request(self.url("close-early=100:1", tok=self.token("x")), {"Range": "bytes=1900-1999"})
        self.assertEqual((r.body, r.error), (DATA[1900:2000], None))


class TimeFaults(Base):
    def test_stall_middle(self):
        t0 = time.monotonic()
        r = request(self.url("stall=1000:1"))
        self.assertGreaterEqual(time.monotonic() - t0, 0.95)
        self.assertEqual((r.body, r.error), (DATA, None))
        t0 = time.monotonic()
        r = request(self.url("stall=1000:1"))
        self.assertLess(time.monotonic() - t0, 0.95)       # K=1: only the first GET stalls
        self.assertEqual(r.body, DATA)

    def test_stall_is_observable_mid_body(self):
        # headers and stall-at bytes arrive, then nothing until the stall is over
        tok = self.token()
        c = conn()
        try:
            c.request("GET", self.url("stall=3000,stall-at=2000", tok=tok))
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            got = b""
            while len(got) < 2000:
                got += r.read1(2000 - len(got))
            self.assertEqual(got, DATA[:2000])
            st = stats(tok)
            self.assertEqual(st["log"][0]["faults"], ["stall"])
            self.assertFalse(st["log"][0]["done"])
            c.sock.settimeout(0.5)
            with self.assertRaises((socket.timeout, TimeoutError)):
                r.read1(1)
        finally:
            c.close()

    def test_stall_head_and_zero_offset(self):
        t0 = time.monotonic()
        h = request(self.url("stall=2000"), method="HEAD")
        self.assertLess(time.monotonic() - t0, 2.0)        # HEAD has no body to stall
        self.assertEqual(h.status, 200)
        t0 = time.monotonic()
        r = request(self.url("stall=300,stall-at=0"), {"Range": "bytes=0-9"})
        self.assertGreaterEqual(time.monotonic() - t0, 0.28)
        self.assertEqual(r.body, DATA[:10])

    def test_delay_before_headers(self):
        tok = self.token()
        t0 = time.monotonic()
        h = request(self.url("delay=1000:1", tok=tok), method="HEAD")
        self.assertGreaterEqual(time.monotonic() - t0, 0.95)
        t0 = time.monotonic()
        r = request(self.url("delay=1000:1", tok=tok))
        self.assertLess(time.monotonic() - t0, 0.95)
        self.assertEqual((h.status, r.body), (200, DATA))
        with self.assertRaises((socket.timeout, TimeoutError)):
            request(self.url("delay=3000", tok=self.token("slow")), timeout=0.3)

    def test_slow(self):
        t0 = time.monotonic()
        r = request(self.url("slow=40000"), {"Range": "bytes=0-19999"})
        elapsed = time.monotonic() - t0
        self.assertEqual(r.body, DATA[:20000])
        self.assertGreaterEqual(elapsed, 0.4)      # last 2000-byte slice due at 0.45 s
        self.assertLess(elapsed, 5)


class StatusFaults(Base):
    def test_codes(self):
        for code in (500, 503, 429, 404, 403, 410, 408, 401, 407, 599):
            r = request(self.url("status=%d" % code))
            self.assertEqual(r.status, code)
            self.assertTrue(r.body.startswith(b"fault: status"))
            self.assertEqual(r.h("content-length"), str(len(r.body)))
            self.assertEqual(r.h("connection") == "close", code == 408, code)
        self.assertIn("Basic", request(self.url("status=401")).h("www-authenticate"))
        self.assertIn("Basic", request(self.url("status=407")).h("proxy-authenticate"))

    def test_first_k_then_file_head_counts(self):
        tok = self.token()
        u = self.url("status=503:2,retry-after=7", tok=tok)
        h = request(u, method="HEAD")
        self.assertEqual((h.status, h.h("retry-after"), h.body), (503, "7", b""))
        r = request(u)
        self.assertEqual((r.status, r.h("retry-after")), (503, "7"))
        r = request(u)
        self.assertEqual((r.status, r.body, r.h("retry-after")), (200, DATA, None))
        st = stats(tok)
        self.assertEqual([e["status"] for e in st["log"]], [503, 503, 200])
        self.assertEqual([e["method"] for e in st["log"]], ["HEAD", "GET", "GET"])

    def test_status_keeps_connection(self):
        tok = self.token()
        c = conn()
        try:
            for want in (500, 500, 200):
                r = request(self.url("status=500:2", tok=tok), c=c)
                self.assertEqual(r.status, want)
        finally:
            c.close()
        self.assertEqual(stats(tok)["connections"], 1)

    def test_basic_auth(self):
        u = self.url("basic=alice:s3cr:et")
        r = request(u)
        self.assertEqual(r.status, 401)
        self.assertIn('Basic realm=', r.h("www-authenticate"))
        bad = "Basic " + base64.b64encode(b"alice:wrong").decode()
        self.assertEqual(request(u, {"Authorization": bad}).status, 401)
        good = "Basic " + base64.b64encode(b"alice:s3cr:et").decode()
        r = request(u, {"Authorization": good})
        self.assertEqual((r.status, r.body), (200, DATA))


class LengthAndRangeFaults(Base):
    def test_lie_length_plus(self):
        tok = self.token()
        h = request(self.url("lie-length=+100:1", tok=tok), method="HEAD")
        self.assertEqual(h.h("content-length"), str(SIZE))          # HEAD stays honest
        r = request(self.url("lie-length=+100:1", tok=tok))
        self.assertEqual(r.h("content-length"), str(SIZE + 100))
        self.assertEqual(r.h("connection"), "close")
        self.assertEqual(r.body, DATA)                               # all true bytes, then EOF
        self.assertIsInstance(r.error, http.client.IncompleteRead)
        r = request(self.url("lie-length=+100:1", tok=tok))
        self.assertEqual((r.h("content-length"), r.body, r.error), (str(SIZE), DATA, None))

    def test_lie_length_minus(self):
        r = request(self.url("lie-length=-100"), {"Range": "bytes=1000-1999"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.h("content-range"), "bytes 1000-1999/%d" % SIZE)
        self.assertEqual(r.h("content-length"), "900")
        self.assertEqual(r.body, DATA[1000:1900])                    # client stops where told
        out = raw(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % self.url("lie-length=-100")).encode())
        head, _, body = out.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Length: %d" % (SIZE - 100), head)
        self.assertEqual(body, DATA)                                 # server sent the true body

    def test_norange(self):
        tok = self.token()
        h = request(self.url("norange", tok=tok), method="HEAD")
        self.assertIsNone(h.h("accept-ranges"))
        r = request(self.url("norange", tok=tok), {"Range": "bytes=1000-"})
        self.assertEqual((r.status, r.body, r.h("content-range"), r.h("accept-ranges")),
                         (200, DATA, None, None))
        tok = self.token("k")
        r = request(self.url("norange:1", tok=tok), {"Range": "bytes=1000-"})
        self.assertEqual(r.status, 200)
        h = request(self.url("norange:1", tok=tok), method="HEAD")
        self.assertEqual(h.h("accept-ranges"), "bytes")
        r = request(self.url("norange:1", tok=tok), {"Range": "bytes=1000-"})
        self.assertEqual((r.status, r.body), (206, DATA[1000:]))

    def test_badrange(self):
        tok = self.token()
        r = request(self.url("badrange:2", tok=tok))                 # no Range: not counted
        self.assertEqual((r.status, r.body), (200, DATA))
        r = request(self.url("badrange:2", tok=tok), {"Range": "bytes=1000-1999"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.h("content-range"), "bytes 999-1998/%d" % SIZE)
        self.assertEqual(r.body, DATA[999:1999])
        r = request(self.url("badrange:2", tok=tok), {"Range": "bytes=0-9"})
        self.assertEqual((r.h("content-range"), r.body), ("bytes 1-10/%d" % SIZE, DATA[1:11]))
        r = request(self.url("badrange:2", tok=tok), {"Range": "bytes=0-9"})
        self.assertEqual((r.h("content-range"), r.body), ("bytes 0-9/%d" % SIZE, DATA[:10]))

    def test_no_length_chunked(self):
        r = request(self.url("no-length"))
        self.assertEqual((r.status, r.body, r.error), (200, DATA, None))
        self.assertIsNone(r.h("content-length"))
        self.assertEqual(r.h("transfer-encoding"), "chunked")
        r = request(self.url("no-length=chunked"), {"Range": "bytes=10-"})
        self.assertEqual((r.status, r.body, r.h("content-range")),
                         (206, DATA[10:], "bytes 10-%d/%d" % (SIZE - 1, SIZE)))
        tok = self.token("keepalive")
        c = conn()
        try:
            for _ in range(2):
                self.assertEqual(request(self.url("no-length", tok=tok), c=c).body, DATA)
        finally:
            c.close()
        self.assertEqual(stats(tok)["connections"], 1)

    def test_no_length_close(self):
        r = request(self.url("no-length=close"))
        self.assertEqual((r.status, r.body, r.error), (200, DATA, None))
        self.assertIsNone(r.h("content-length"))
        self.assertIsNone(r.h("transfer-encoding"))
        self.assertEqual(r.h("connection"), "close")
        h = request(self.url("no-length=close"), method="HEAD")
        self.assertIsNone(h.h("content-length"))

    def test_drop_in_chunked_body(self):
        r = request(self.url("no-length,drop=1000"))
        self.assertEqual(r.body[:1000], DATA[:1000])
        self.assertIsNotNone(r.error)


class ChangeFault(Base):
    def test_change_after_first_get(self):
        tok = self.token()
        h1 = request(self.url("change", tok=tok), method="HEAD")
        r1 = request(self.url("change", tok=tok))
        self.assertEqual(r1.body, DATA)
        self.assertEqual(r1.h("etag"), h1.h("etag"))
        h2 = request(self.url("change", tok=tok), method="HEAD")
        r2 = request(self.url("change", tok=tok))
        self.assertEqual(r2.body, INVERTED)
        self.assertEqual(h2.h("etag"), r2.h("etag"))
        self.assertNotEqual(r1.h("etag"), r2.h("etag"))
        self.assertNotEqual(r1.h("last-modified"), r2.h("last-modified"))
        self.assertEqual([e["version"] for e in stats(tok)["log"]], ["a", "a", "b", "b", "b"][:4])

    def test_interrupted_then_changed(self):
        tok = self.token()
        u = self.url("drop=1000:1,change", tok=tok)
        r1 = request(u)
        self.assertEqual(r1.body, DATA[:1000])
        etag = r1.h("etag")
        r2 = request(u, {"Range": "bytes=1000-", "If-Range": etag})
        self.assertEqual((r2.status, r2.body), (200, INVERTED))       # If-Range fails: whole new
        r3 = request(u, {"Range": "bytes=1000-"})
        self.assertEqual((r3.status, r3.body), (206, INVERTED[1000:]))
        self.assertNotEqual(r3.h("etag"), etag)
        lm = r1.h("last-modified")
        r4 = request(u, {"Range": "bytes=1000-", "If-Range": lm})
        self.assertEqual(r4.status, 200)

    def test_change_k(self):
        tok = self.token()
        bodies = [request(self.url("change:2", tok=tok)).body for _ in range(3)]
        self.assertEqual(bodies, [DATA, DATA, INVERTED])


class Redirects(Base):
    def follow(self, path, limit=30, tls=False):
        hops = []
        for _ in range(limit):
            r = request(path, tls=tls)
            if r.status not in (301, 302, 303, 307, 308):
                return hops, r
            hops.append((r.status, r.h("location")))
            loc = r.h("location")
            self.assertTrue(loc.startswith("http"), loc)
            scheme, rest = loc.split("://", 1)
            tls = scheme == "https"
            path = "/" + rest.split("/", 1)[1]
        return hops, None

    def test_chain(self):
        tok = self.token()
        hops, r = self.follow(self.url("redirect=3", tok=tok))
        self.assertEqual([h[0] for h in hops], [302, 302, 302])
        self.assertEqual(hops[0][1], "http://127.0.0.1:%d/fault/%s,redirect=2/a.bin" % (PORT, tok))
        self.assertEqual(hops[2][1], "http://127.0.0.1:%d/fault/%s/a.bin" % (PORT, tok))
        self.assertEqual((r.status, r.body), (200, DATA))
        st = stats(tok)
        self.assertEqual(st["requests"], 4)
        self.assertEqual([e["faults"] for e in st["log"]], [["redirect"]] * 3 + [[]])

    def test_chain_code_and_remaining_faults(self):
        tok = self.token()
        hops, r = self.follow(self.url("redirect=1,redirect-code=307,drop=10:1", tok=tok))
        self.assertEqual(hops, [(307, "http://127.0.0.1:%d/fault/%s,drop=10:1/a.bin" % (PORT, tok))])
        self.assertEqual(r.body, DATA[:10])
        hops, r = self.follow(self.url("redirect=1,redirect-code=307,drop=10:1", tok=tok))
        self.assertEqual(r.body, DATA)

    def test_plain_end_without_token(self):
        r = request("/fault/redirect=1/sub/b.bin")
        self.assertEqual(r.h("location"), "http://127.0.0.1:%d/sub/b.bin" % PORT)

    def test_loop(self):
        hops, r = self.follow(self.url("redirect-loop"), limit=25)
        self.assertIsNone(r)
        self.assertEqual(len(hops), 25)
        self.assertEqual(len({h[1] for h in hops}), 2)

    def test_host_header_used(self):
        r = request(self.url("redirect=1"), {"Host": "localhost:%d" % PORT})
        self.assertTrue(r.h("location").startswith("http://localhost:%d/" % PORT))

    @unittest.skipUnless(shutil.which("openssl"), "no openssl")
    def test_https_to_http_and_back(self):
        tok = self.token()
        r = request(self.url("", tok=tok), tls=True)
        self.assertEqual((r.status, r.body), (200, DATA))
        hops, r = self.follow(self.url("redirect-to-http", tok=tok), tls=True)
        self.assertEqual(hops, [(302, "http://127.0.0.1:%d/fault/%s/a.bin" % (PORT, tok))])
        self.assertEqual(r.body, DATA)
        hops, r = self.follow(self.url("redirect-to-https", tok=tok))
        self.assertEqual(hops, [(302, "https://127.0.0.1:%d/fault/%s/a.bin" % (TLS_PORT, tok))])
        self.assertEqual(r.body, DATA)
        self.assertEqual([e["scheme"] for e in stats(tok)["log"]],
                         ["https", "https", "http", "http", "https"])

    @unittest.skipUnless(shutil.which("openssl"), "no openssl")
    def test_tls_faults(self):
        r = request(self.url("drop=700:1"), tls=True)
        self.assertEqual(r.body, DATA[:700])
        self.assertIsNotNone(r.error)
        r = request(self.url("drop=700:1"), {"Range": "bytes=700-"}, tls=True)
        self.assertEqual((r.status, r.body), (206, DATA[700:]))


class GarbageHeaders(Base):
    def get_raw(self, spec):
        return raw(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % self.url(spec)).encode())

    def test_binary(self):
        out = self.get_raw("garbage-headers")
        self.assertFalse(out.startswith(b"HTTP/"))
        self.assertGreater(len(out), 100)
        with self.assertRaises(http.client.HTTPException):
            request(self.url("garbage-headers"))

    def test_status(self):
        out = self.get_raw("garbage-headers=status")
        self.assertTrue(out.startswith(b"HTTP/1.1 2x0 "))
        with self.assertRaises(http.client.BadStatusLine):
            request(self.url("garbage-headers=status"))

    def test_nocolon_nul_duplength(self):
        self.assertIn(b"\r\nThis line is not a header\r\n", self.get_raw("garbage-headers=nocolon"))
        self.assertIn(b"X-Nul: a\x00b\r\n", self.get_raw("garbage-headers=nul"))
        out = self.get_raw("garbage-headers=dup-length")
        self.assertIn(b"Content-Length: %d\r\nContent-Length: %d\r\n" % (SIZE, SIZE + 10), out)

    def test_huge(self):
        out = self.get_raw("garbage-headers=huge")
        self.assertGreater(out.index(b"\r\n\r\n"), 128 * 1024)
        with self.assertRaises(http.client.LineTooLong):
            request(self.url("garbage-headers=huge"))

    def test_first_k_only(self):
        tok = self.token()
        with self.assertRaises(http.client.HTTPException):
            request(self.url("garbage-headers=status:1", tok=tok))
        r = request(self.url("garbage-headers=status:1", tok=tok))
        self.assertEqual((r.status, r.body), (200, DATA))


class Grammar(Base):
    def test_rejected_specs(self):
        for spec in ("bogus", "drop", "drop=x", "drop=5:0", "status=200", "status=abc",
                     "stall=600001", "redirect=2:1", "id=_x", "lie-length=0", "no-length=gzip",
                     "garbage-headers=what", "norange=1", "drop=1,drop=2", "basic=nocolon", ""):
            r = request("/fault/%s/a.bin" % spec if spec else "/fault//a.bin")
            self.assertEqual(r.status, 400, spec)
        self.assertEqual(request("/fault/t1").status, 400)
        self.assertEqual(request("/fault/t1/").status, 400)

    def test_token_forms(self):
        request("/fault/id=alpha.1,drop=5:1/a.bin")
        request("/fault/tbeta-2/a.bin")
        self.assertEqual(stats("alpha.1")["log"][0]["faults"], ["drop"])
        self.assertEqual(stats("tbeta-2")["requests"], 1)
        self.assertEqual(stats("never-used")["requests"], 0)

    def test_counters_per_url(self):
        tok = self.token()
        self.assertEqual(request(self.url("drop=5:1", "a.bin", tok=tok)).body, DATA[:5])
        self.assertEqual(request(self.url("drop=5:1", "sub/b.bin", tok=tok)).body, DATA[:5])
        self.assertEqual(request(self.url("drop=5:1", "a.bin", tok=tok)).body, DATA)

    def test_parallel_tokens(self):
        errors = []

        def worker(i):
            try:
                tok = self.token(str(i))
                u = self.url("drop=%d:1,slow=2000000" % (1000 + i), tok=tok)
                r = request(u)
                assert r.body == DATA[:1000 + i], (i, len(r.body))
                r = request(u, {"Range": "bytes=%d-" % (1000 + i)})
                assert (r.status, r.body) == (206, DATA[1000 + i:]), i
                st = stats(tok)
                assert st["ranges"] == [None, "bytes=%d-" % (1000 + i)], st["ranges"]
            except Exception as e:     # reported below
                errors.append(e)
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT * 2)
        self.assertFalse(any(t.is_alive() for t in threads))
        self.assertEqual(errors, [])

    def test_stats_record(self):
        tok = self.token()
        request(self.url("", tok=tok), {"X-Custom": "one", "Range": "bytes=5-", "If-Range": '"x"'})
        request(self.url("", tok=tok), method="HEAD")
        st = stats(tok)
        self.assertEqual((st["token"], st["requests"], st["get"], st["head"]), (tok, 2, 1, 1))
        e = st["log"][0]
        self.assertEqual((e["seq"], e["method"], e["file"], e["range"], e["if_range"], e["status"]),
                         (1, "GET", "a.bin", "bytes=5-", '"x"', 200))
        self.assertEqual(e["headers"]["x-custom"], "one")
        self.assertEqual(e["sent"], SIZE)
        self.assertEqual(st["bytes"], SIZE)
        self.assertEqual(stats("_plain")["token"], "_plain")

    def test_absolute_form_as_proxy(self):
        tok = self.token()
        r = request("http://example.invalid/fault/%s/sub/b.bin" % tok)
        self.assertEqual((r.status, r.body), (200, DATA[:5000]))
        e = stats(tok)["log"][0]
        self.assertTrue(e["proxied"])
        self.assertEqual(e["headers"]["host"], "example.invalid")

    def test_connect_tunnel(self):
        s = socket.create_connection(("127.0.0.1", PORT), timeout=TIMEOUT)
        try:
            s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (PORT, PORT))
            f = s.makefile("rb")
            self.assertIn(b" 200 ", f.readline())
            while f.readline() not in (b"\r\n", b""):
                pass
            s.sendall(b"GET /sub/b.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            out = f.read()
            self.assertTrue(out.startswith(b"HTTP/1.1 200 OK"))
            self.assertTrue(out.endswith(DATA[:5000]))
        finally:
            s.close()
        out = raw(b"CONNECT 10.1.2.3:443 HTTP/1.1\r\nHost: 10.1.2.3:443\r\n\r\n")
        self.assertIn(b" 403 ", out.split(b"\r\n")[0])


class Process(Base):
    """Own server processes: lifetime, SIGTERM in the middle of a stall, daemon mode."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="faultserver-proc-")
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)
        with open(os.path.join(self.root, "a.bin"), "wb") as f:
            f.write(DATA)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_lifetime(self):
        t0 = time.monotonic()
        proc, ports = start_server(["--root", self.root, "--lifetime", "1"], self.tmp)
        try:
            self.assertEqual(request("/a.bin", port=ports[0]).body, DATA)
            self.assertEqual(proc.wait(timeout=TIMEOUT), 0)
            self.assertGreaterEqual(time.monotonic() - t0, 1.0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=TIMEOUT)
            proc.stdout.close()

    def test_sigterm_during_stall_and_idle_keepalive(self):
        proc, ports = start_server(["--root", self.root], self.tmp)
        try:
            idle = conn(ports[0])                  # an idle keep-alive connection
            self.assertEqual(request("/a.bin", c=idle).status, 200)
            c = conn(ports[0])
            c.request("GET", "/fault/tq,stall=60000,stall-at=100/a.bin")
            r = c.getresponse()
            got = b""
            while len(got) < 100:
                got += r.read1(100 - len(got))     # now the server sits in the stall
            t0 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=TIMEOUT), 0)
            self.assertLess(time.monotonic() - t0, 5)
            c.close()
            idle.close()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=TIMEOUT)
            proc.stdout.close()

    def test_daemon_and_stop(self):
        pid_file = os.path.join(self.tmp, "fs.pid")
        port_file = os.path.join(self.tmp, "fs.port")
        res = subprocess.run([sys.executable, FAULTSERVER, "--root", self.root, "--port", "0",
                              "--port-file", port_file, "--daemon", "--pid-file", pid_file,
                              "--log-file", os.path.join(self.tmp, "fs.log"), "--lifetime", "60"],
                             timeout=TIMEOUT, capture_output=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        with open(port_file) as f:
            port = int(f.read().split()[0])
        with open(pid_file) as f:
            pid = int(f.read())
        try:
            self.assertEqual(request("/a.bin", port=port).body, DATA)
            res = subprocess.run([sys.executable, FAULTSERVER, "--stop", pid_file],
                                 timeout=TIMEOUT * 2, capture_output=True)
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertFalse(os.path.exists(pid_file))
            with self.assertRaises(ConnectionRefusedError):
                request("/a.bin", port=port)
            # stopping again is a no-op
            res = subprocess.run([sys.executable, FAULTSERVER, "--stop", pid_file],
                                 timeout=TIMEOUT, capture_output=True)
            self.assertEqual(res.returncode, 0)
        finally:
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if b"faultserver" in f.read():
                        os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def test_port_file_and_fixed_port_busy(self):
        proc, ports = start_server(["--root", self.root], self.tmp)
        try:
            res = subprocess.run([sys.executable, FAULTSERVER, "--root", self.root,
                                  "--port", str(ports[0])], timeout=TIMEOUT, capture_output=True)
            self.assertNotEqual(res.returncode, 0)            # busy port: fails, does not hang
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=TIMEOUT), 0)
            proc.stdout.close()


if __name__ == "__main__":
    unittest.main()
