#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The bitsdo benchmark driver (the `bench` target runs it).

One run, side by side, on the same loopback nginx files:
  bitsdo  bench.exe through CLSID_BitsdoPrivateManager (bitsdo.dll, in-process)
  host    bench.exe through CLSID_BitsdoManager (the public class: jobs live in
          the per-user host bitsdo-host.exe; job objects reach the client as
          bitsdo's client objects, GetProgress read from shared memory)
  bits    the same bench.exe through CLSID_BackgroundCopyManager (under Wine:
          Wine's built-in BITS, the qmgr service in another process)
  curl    the host's curl

Cases: one 200 MB file (MB/s); 1,000 files of 10 KB (files/s, total s);
GetProgress ns/call from a second thread during the 200 MB download (its
own runs, so the probe does not disturb the throughput figures);
activation cost (CoCreateInstance and the first call that reaches the
server) with the server not running (act_cold: `bitsdo-host.exe -Stop`,
`net stop BITS` first) and already running (act_warm); job200: the first
200 small files in one job (curl: one process, the 200 URLs over one
keep-alive connection); https: the big file over https from the same nginx
(its test CA trusted in the bench prefix by trust_ca.exe, curl --cacert).
For the host, scaleN also stops the host and times its start-up with the N
stored jobs (until CoCreateInstance returns, and until all N are listed).
Every case is repeated --runs times (interleaved: rep 1 of every case and
tool, then rep 2, ...); the table shows medians and ratios. Writes
WORK/results.md (the markdown table and machine notes), WORK/results.json
(every run) and prints the table.

  run_bench.py --exe bench.exe --dll bitsdo.dll --work DIR [--runs N]
               [--bits-runs M] [--tools bitsdo,host,bits,curl]
               [--cases big,many,job200,https,probe,act_cold,act_warm,...]
               [--big-size 200M] [--small-count 1000] [--small-size 10K]
               [--per-job N] [--bitsdo-file-urls] [--timeout S]
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools")
NAMES = {"bitsdo": "bitsdo.dll", "host": "bitsdo host", "bits": "Wine BITS (qmgr)", "curl": "curl (host)"}
ACT = ("act_cold", "act_warm")
# How cost grows (issue 13): "scaleN" (N idle jobs: create, EnumJobs, GetJob,
# Cancel, heap per job; bench --scale), "jobsN" (the small files spread over N
# jobs transferring at once) and "file" (the big file through file://, against cp).
GROWTH_TOOLS = {"scale": ("bitsdo", "host"), "jobs": ("bitsdo", "host"), "file": ("bitsdo", "curl")}
JOB200 = 200  # case job200: files in its one job (BITS's default MaxFilesPerJob)


def growth_kind(case):
    """'scale', 'jobs', 'file' or None; scaleN/jobsN carry N."""
    for kind in ("scale", "jobs"):
        if case.startswith(kind) and case[len(kind):].isdigit():
            return kind
    return "file" if case == "file" else None


def say(msg):
    print("bench: " + msg, flush=True)


def parse_size(s):
    mult = {"K": 1024, "k": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(s[-1:], 1)
    return int(s[:-1] if mult != 1 else s) * mult


def run(cmd, env=None, timeout=None, check=True):
    # Output into files, not pipes: under Wine a host that a command starts inherits the
    # command's Unix stderr and outlives it, and a pipe would make us wait for the host to
    # exit (so "warm" activations would find it gone).
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        rc = subprocess.run(cmd, env=env, timeout=timeout, stdout=out, stderr=err).returncode
        out.seek(0)
        err.seek(0)
        p = subprocess.CompletedProcess(cmd, rc, out.read().decode("utf-8", "replace"),
                                        err.read().decode("utf-8", "replace"))
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def first_line(cmd, want=""):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=30).stdout
        lines = [l for l in out.strip().splitlines() if l.startswith(want)]
        return lines[0] if lines else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


class Bench:
    def __init__(self, args):
        self.a = args
        self.work = os.path.abspath(args.work)
        self.prefix = os.path.join(self.work, "wineprefix")
        self.ngdir = os.path.join(self.work, "nginx")
        self.out = os.path.join(self.work, "out")
        self.env = dict(os.environ, WINEPREFIX=self.prefix, WINEARCH="win64")
        self.env.setdefault("WINEDEBUG", "-all")
        self.env.setdefault("WINEDLLOVERRIDES", "mscoree,mshtml=")
        self.results = []   # dicts: tool, case, rep, ok, values / error
        self.big = parse_size(args.big_size)
        self.small = parse_size(args.small_size)
        self.port = None

    # ---- setup -----------------------------------------------------------
    def setup(self):
        os.makedirs(self.work, exist_ok=True)
        if "bitsdo" in self.tools or "bits" in self.tools:
            say("Wine prefix %s with %s registered" % (self.prefix, self.a.dll))
            run([os.path.join(TOOLS, "wineprefix.sh"), "setup", self.prefix, self.a.dll], env=self.env,
                timeout=900)
        say("nginx on loopback, files %s and %d x %s" % (self.a.big_size, self.a.small_count, self.a.small_size))
        run([os.path.join(TOOLS, "nginx-fixture.sh"), "start", self.ngdir], timeout=120)
        with open(os.path.join(self.ngdir, "http_port")) as f:
            self.port = int(f.read().strip())
        with open(os.path.join(self.ngdir, "https_port")) as f:
            self.tls_port = int(f.read().strip())
        if "https" in self.a.cases.split(",") and ("bitsdo" in self.tools or "bits" in self.tools):
            # The fixture's test CA, trusted in the bench prefix as the tests trust it.
            if self.trust_ca():
                say("trusting the test CA in the bench prefix")
                run(["wine", self.trust_ca(), "add", self.winpath(os.path.join(self.ngdir, "tls", "ca.der"))],
                    env=self.env, timeout=120)
            else:
                say("no trust_ca.exe beside bench.exe (it is built with the tests): case https left out")
                self.a.cases = ",".join(c for c in self.a.cases.split(",") if c != "https")
        run([os.path.join(TOOLS, "nginx-fixture.sh"), "genfile", self.ngdir, "big.bin", self.a.big_size],
            timeout=600)
        run([os.path.join(TOOLS, "nginx-fixture.sh"), "genfile", self.ngdir, "warm.bin", "1M"], timeout=60)
        run([os.path.join(TOOLS, "nginx-fixture.sh"), "genmany", self.ngdir, "small/f",
             str(self.a.small_count), self.a.small_size], timeout=600)
        self.width = max(4, len(str(self.a.small_count - 1)))
        if any(growth_kind(c) in ("scale", "jobs") for c in self.a.cases.split(",")):
            # BITS's own policies, raised as an administrator would for a fleet
            # (defaults 60 jobs per user, 300 per machine); Wine's BITS ignores them.
            for name in ("MaxJobsPerUser", "MaxJobsPerMachine"):
                run(["wine", "reg", "add", r"HKLM\SOFTWARE\Policies\Microsoft\Windows\BITS", "/v", name,
                     "/t", "REG_DWORD", "/d", "100000", "/f"], env=self.env, timeout=120)

    def teardown(self):
        try:
            run([os.path.join(TOOLS, "nginx-fixture.sh"), "stop", self.ngdir], timeout=60, check=False)
        finally:
            if "bitsdo" in self.tools or "bits" in self.tools:
                run([os.path.join(TOOLS, "wineprefix.sh"), "kill", self.prefix], env=self.env, timeout=60,
                    check=False)
            shutil.rmtree(self.out, ignore_errors=True)

    # ---- one measurement -----------------------------------------------
    def fresh_out(self, tool):
        d = os.path.join(self.out, tool)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def winpath(self, path):
        # Wine maps / to Z:
        return "Z:" + path.replace("/", "\\")

    def url(self, name, scheme="http"):
        return "%s://127.0.0.1:%d/%s" % (scheme, self.tls_port if scheme == "https" else self.port, name)

    def trust_ca(self):
        """trust_ca.exe (tests/trust_ca.c), or None."""
        exe = self.a.trust_ca or os.path.join(os.path.dirname(os.path.abspath(self.a.exe)), "trust_ca.exe")
        return exe if os.path.exists(exe) else None

    def host_exe(self):
        return os.path.join(os.path.dirname(os.path.abspath(self.a.dll)), "bitsdo-host.exe")

    def stop_server(self, tool):
        """act_cold: the server of `tool` is not running when the run starts."""
        if tool == "host":
            run(["wine", self.host_exe(), "-Stop"], env=self.env, timeout=60, check=False)
        elif tool == "bits":
            run(["wine", "net", "stop", "BITS"], env=self.env, timeout=60, check=False)

    def bits_cmd(self, tool, case, dest):
        if case in ACT:
            return ["wine", self.a.exe, "--manager", tool, "--activate-only"]
        cmd = ["wine", self.a.exe, "--manager", tool, "--dest", self.winpath(dest),
               "--timeout", str(self.a.timeout)]
        kind = growth_kind(case)
        if kind == "scale":
            cmd += ["--url", self.url("small/f%0*d" % (self.width, 0)), "--scale", case[5:]]
            if tool == "host":  # and the host's start-up with the N stored jobs
                cmd += ["--restart-host", self.winpath(self.host_exe())]
            return cmd
        if kind == "file":
            url = "file:///" + self.winpath(os.path.join(self.ngdir, "www", "big.bin")).replace("\\", "/")
            return cmd + ["--url", url, "--size", str(self.big)]
        if case in ("big", "probe", "warm", "https"):
            name = "warm.bin" if case == "warm" else "big.bin"
            size = 1024 * 1024 if case == "warm" else self.big
            if tool == "bitsdo" and self.a.bitsdo_file_urls and case != "https":
                url = "file:///" + self.winpath(os.path.join(self.ngdir, "www", name)).replace("\\", "/")
            else:
                url = self.url(name, "https" if case == "https" else "http")
            cmd += ["--url", url, "--size", str(size)]
            if case == "probe":
                cmd.append("--probe")
        else:
            if tool == "bitsdo" and self.a.bitsdo_file_urls:
                pre = "file:///" + self.winpath(os.path.join(self.ngdir, "www", "small", "f")).replace("\\", "/")
            else:
                pre = self.url("small/f")
            count = min(JOB200, self.a.small_count) if case == "job200" else self.a.small_count
            cmd += ["--url-prefix", pre, "--count", str(count), "--width", str(self.width),
                    "--size", str(self.small)]
            if case == "job200":
                cmd += ["--per-job", str(count)]
            elif case == "many":
                cmd += ["--per-job", str(self.a.per_job)]
            elif kind == "jobs":
                cmd += ["--per-job", str(max(1, self.a.small_count // int(case[4:])))]
            # "many1": all files in one job (what Wine's BITS allows; bitsdo caps jobs at 200 files)
        return cmd

    def measure(self, tool, case, rep):
        dest = self.fresh_out(tool)
        rec = {"tool": tool, "case": case, "rep": rep, "ok": False}
        try:
            if tool == "curl":
                rec.update(self.measure_curl(case, dest))
            else:
                cmd = self.bits_cmd(tool, case, dest)
                rec["command"] = " ".join(shlex.quote(c) for c in cmd)
                if case == "act_cold":
                    self.stop_server(tool)
                elif case == "act_warm":
                    run(cmd, env=self.env, timeout=120, check=False)  # the server is up
                t = time.perf_counter()
                p = run(cmd, env=self.env, timeout=self.a.timeout + 60, check=False)
                rec["wall"] = time.perf_counter() - t
                lines = (p.stdout or "").splitlines()
                res = [l for l in lines if l.startswith("RESULT ")]
                if p.returncode != 0 or not res:
                    err = [l for l in lines if l.startswith("ERROR")] or lines[-3:] or [p.stderr.strip()[-300:]]
                    rec["error"] = "; ".join(err) or "exit %d" % p.returncode
                else:
                    for kv in res[-1].split()[1:]:
                        k, v = kv.split("=", 1)
                        try:
                            rec[k] = float(v)
                        except ValueError:
                            rec[k] = v
                    rec.setdefault("t_total", rec.get("t_create", 0.0))  # scaleN
                    rec["ok"] = True
        except subprocess.TimeoutExpired:
            rec["error"] = "timed out"
        except Exception as e:  # recorded, the matrix goes on
            rec["error"] = str(e)
        finally:
            shutil.rmtree(dest, ignore_errors=True)
            if tool == "host":
                # The next run starts with no host in the prefix: an idle host
                # stays 30 s, and one that has just cancelled N jobs is still
                # deleting their records while the next tool runs.
                self.stop_server("host")
        if case != "warm":
            self.results.append(rec)
        return rec

    def measure_curl(self, case, dest):
        if case == "file":  # the same copy by cp
            cmd = ["cp", os.path.join(self.ngdir, "www", "big.bin"), os.path.join(dest, "big.bin")]
            t = time.perf_counter()
            run(cmd, timeout=self.a.timeout)
            total = time.perf_counter() - t
            if os.path.getsize(os.path.join(dest, "big.bin")) != self.big:
                raise RuntimeError("cp: wrong size")
            return {"ok": True, "t_total": total, "files": 1, "bytes": self.big, "mb_per_s": self.big / 1e6 / total,
                    "files_per_s": 1 / total, "command": " ".join(shlex.quote(c) for c in cmd)}
        if case in ("big", "warm", "https"):
            name = "warm.bin" if case == "warm" else "big.bin"
            size = 1024 * 1024 if case == "warm" else self.big
            cmd = ["curl", "-sS", "--fail", "-o", os.path.join(dest, name)]
            if case == "https":
                cmd += ["--cacert", os.path.join(self.ngdir, "tls", "ca.crt"), self.url(name, "https")]
            else:
                cmd.append(self.url(name))
            files = [(os.path.join(dest, name), size)]
        else:
            count = min(JOB200, self.a.small_count) if case == "job200" else self.a.small_count
            last = count - 1
            cmd = ["curl", "-sS", "--fail", "%s[%0*d-%0*d]" % (self.url("small/f"), self.width, 0, self.width, last),
                   "-o", os.path.join(dest, "f#1")]
            files = [(os.path.join(dest, "f%0*d" % (self.width, i)), self.small) for i in range(count)]
        t = time.perf_counter()
        run(cmd, timeout=self.a.timeout)
        total = time.perf_counter() - t
        bad = [p for p, s in files if not os.path.exists(p) or os.path.getsize(p) != s]
        if bad:
            raise RuntimeError("curl: %d files missing or of wrong size (%s)" % (len(bad), bad[0]))
        nbytes = sum(s for _, s in files)
        return {"ok": True, "t_total": total, "files": len(files), "bytes": nbytes,
                "mb_per_s": nbytes / 1e6 / total, "files_per_s": len(files) / total,
                "command": " ".join(shlex.quote(c) for c in cmd)}

    # ---- the matrix -------------------------------------------------------
    @property
    def tools(self):
        return self.a.tools.split(",")

    def matrix(self):
        cases = self.a.cases.split(",")
        for tool in self.tools:
            r = self.measure(tool, "warm", 0)
            say("warm-up %-6s %s" % (tool, "ok" if r.get("ok") else "FAILED: " + r.get("error", "?")))
        reps = max(self.a.runs, self.a.bits_runs)
        for rep in range(1, reps + 1):
            for case in cases:
                for tool in self.tools:
                    if growth_kind(case) and tool not in GROWTH_TOOLS[growth_kind(case)]:
                        continue
                    if tool == "curl" and case in ("probe", "many1") + ACT:
                        continue
                    if tool == "host" and case == "many1":
                        continue  # the same engine as bitsdo's; its many1 run is the record
                    if tool == "bitsdo" and case == "many1" and rep > 1:
                        continue  # recorded once: the one-job form of the small-files case
                    limit = self.a.bits_runs if tool == "bits" else self.a.runs
                    if growth_kind(case) in ("scale", "jobs"):
                        limit = min(limit, self.a.growth_runs)
                    if rep > limit:
                        continue
                    if any(r["tool"] == tool and r["case"] == case and r.get("error") == "timed out"
                           for r in self.results):
                        continue  # a run that timed out is not repeated
                    r = self.measure(tool, case, rep)
                    if r.get("ok"):
                        extra = ""
                        if case == "probe":
                            extra = " GetProgress %.0f ns/call" % r.get("probe_ns_per_call", 0)
                        if case in ACT:
                            say("run %d %-8s %-6s activate %.1f ms, first call %.1f ms"
                                % (rep, case, tool, r["t_activate"] * 1e3, r["t_firstcall"] * 1e3))
                            continue
                        if growth_kind(case) == "scale":
                            say("run %d %-10s %-6s create %.3f s, EnumJobs %.2f ms, GetJob %.1f us, cancel %.3f s, "
                                "%.0f heap bytes/job%s" % (rep, case, tool, r["t_create"], r["t_enum"] * 1e3,
                                                          r["getjob_us"], r["t_cancel"], r["heap_bytes_per_job"],
                                                          ", start-up %.3f s, all listed %.3f s" % (
                                                              r["t_restart_answer"], r["t_restart"])
                                                          if "t_restart" in r else ""))
                            continue
                        say("run %d %-5s %-6s %8.3f s %9.2f MB/s %9.1f files/s%s"
                            % (rep, case, tool, r["t_total"], r["mb_per_s"], r["files_per_s"], extra))
                    else:
                        say("run %d %-5s %-6s FAILED: %s" % (rep, case, tool, r.get("error")))

    # ---- report -----------------------------------------------------------
    def values(self, tool, case, key):
        return [r[key] for r in self.results
                if r["tool"] == tool and r["case"] == case and r.get("ok") and key in r]

    def median(self, tool, case, key):
        v = self.values(tool, case, key)
        return statistics.median(v) if v else None

    def runs_of(self, tool, case):
        ok = len(self.values(tool, case, "t_total"))
        n = len([r for r in self.results if r["tool"] == tool and r["case"] == case])
        return ok, n

    def errors(self, tool, case):
        return sorted({r.get("error", "?") for r in self.results
                       if r["tool"] == tool and r["case"] == case and not r.get("ok")})

    def report(self, argv):
        def fmt(v, digits):
            if v is None:
                return "failed"
            return ("%." + str(digits) + "f") % v

        def ratio(a, b):
            return "%.2fx" % (a / b) if a is not None and b else "n/a"

        def cell(tool, case, key, digits):
            m = self.median(tool, case, key)
            ok, n = self.runs_of(tool, case)
            if tool not in self.tools:
                return "not run"
            if not n:
                return "n/a"
            s = fmt(m, digits)
            if n and ok < n:
                s += " (%d/%d ok)" % (ok, n)
            return s

        def target(value, goal):
            if value is None:
                return "not measured"
            return "met" if value >= goal else "**missed**"

        bits_many = self.median("bits", "many", "files_per_s")
        bits_many1 = self.median("bits", "many1", "files_per_s")
        bits_best_many = max([v for v in (bits_many, bits_many1) if v is not None], default=None)
        big = {t: self.median(t, "big", "mb_per_s") for t in ("bitsdo", "bits", "curl")}
        many = {t: self.median(t, "many", "files_per_s") for t in ("bitsdo", "bits", "curl")}
        manyt = {t: self.median(t, "many", "t_total") for t in ("bitsdo", "bits", "curl")}
        probe = {t: self.median(t, "probe", "probe_ns_per_call") for t in ("bitsdo", "bits")}
        probe_mb = {t: self.median(t, "probe", "mb_per_s") for t in ("bitsdo", "bits")}
        r_big_bits = big["bitsdo"] / big["bits"] if big["bitsdo"] and big["bits"] else None
        r_big_curl = big["bitsdo"] / big["curl"] if big["bitsdo"] and big["curl"] else None
        r_many_bits = many["bitsdo"] / bits_best_many if many["bitsdo"] and bits_best_many else None

        big_label = "%s file" % self.a.big_size.replace("M", " MB").replace("G", " GB")
        small_label = "%s x %s files" % ("{:,}".format(self.a.small_count),
                                         self.a.small_size.replace("K", " KB").replace("M", " MB"))
        L = []
        L.append("| Case | bitsdo.dll | Wine BITS (qmgr) | curl | bitsdo / Wine BITS | bitsdo / curl |")
        L.append("|---|---:|---:|---:|---:|---:|")
        L.append("| %s, MB/s | %s | %s | %s | %s | %s |" % (
            big_label, cell("bitsdo", "big", "mb_per_s", 1), cell("bits", "big", "mb_per_s", 1),
            cell("curl", "big", "mb_per_s", 1), ratio(big["bitsdo"], big["bits"]),
            ratio(big["bitsdo"], big["curl"])))
        L.append("| %s, files/s | %s | %s | %s | %s | %s |" % (
            small_label, cell("bitsdo", "many", "files_per_s", 0), cell("bits", "many", "files_per_s", 0),
            cell("curl", "many", "files_per_s", 0), ratio(many["bitsdo"], many["bits"]),
            ratio(many["bitsdo"], many["curl"])))
        L.append("| %s, total s | %s | %s | %s | %s | %s |" % (
            small_label, cell("bitsdo", "many", "t_total", 3), cell("bits", "many", "t_total", 3),
            cell("curl", "many", "t_total", 3),
            ratio(manyt["bits"], manyt["bitsdo"]), ratio(manyt["curl"], manyt["bitsdo"])))
        cases = self.a.cases.split(",")
        job200 = {t: self.median(t, "job200", "files_per_s") for t in ("bitsdo", "host", "bits", "curl")}
        https = {t: self.median(t, "https", "mb_per_s") for t in ("bitsdo", "host", "bits", "curl")}
        if "job200" in cases:
            L.append("| %d x %s files in one job (curl: one process, one keep-alive connection), files/s "
                     "| %s | %s | %s | %s | %s |" % (
                         min(JOB200, self.a.small_count), self.a.small_size.replace("K", " KB"),
                         cell("bitsdo", "job200", "files_per_s", 0), cell("bits", "job200", "files_per_s", 0),
                         cell("curl", "job200", "files_per_s", 0), ratio(job200["bitsdo"], job200["bits"]),
                         ratio(job200["bitsdo"], job200["curl"])))
        if "https" in cases:
            L.append("| %s over https (WinHTTP; curl: OpenSSL), MB/s | %s | %s | %s | %s | %s |" % (
                big_label, cell("bitsdo", "https", "mb_per_s", 1), cell("bits", "https", "mb_per_s", 1),
                cell("curl", "https", "mb_per_s", 1), ratio(https["bitsdo"], https["bits"]),
                ratio(https["bitsdo"], https["curl"])))
        if "many1" in cases:
            L.append("| same, all %d files in one job, files/s | %s | %s | - | %s | - |" % (
                self.a.small_count, cell("bitsdo", "many1", "files_per_s", 0),
                cell("bits", "many1", "files_per_s", 0), ratio(many["bitsdo"], bits_many1)))
        L.append("| GetProgress from a 2nd thread during the %s download, ns/call | %s | %s | - | %s | - |" % (
            big_label, cell("bitsdo", "probe", "probe_ns_per_call", 0), cell("bits", "probe", "probe_ns_per_call", 0),
            "%.0fx" % (probe["bits"] / probe["bitsdo"]) if probe["bitsdo"] and probe["bits"] else "n/a"))
        L.append("| %s with that probe running, MB/s | %s | %s | - | %s | - |" % (
            big_label, cell("bitsdo", "probe", "mb_per_s", 1), cell("bits", "probe", "mb_per_s", 1),
            ratio(probe_mb["bitsdo"], probe_mb["bits"])))
        table = "\n".join(L)

        X = []
        X.append("| Across processes | bitsdo.dll in-process (private class) | bitsdo host (public class) "
                 "| Wine BITS (qmgr) | host / Wine BITS |")
        X.append("|---|---:|---:|---:|---:|")

        def xrow(label, case, key, digits, scale=1.0, lower_better=True):
            def c(tool):
                if tool not in self.tools:
                    return "not run"
                ok, n = self.runs_of(tool, case)
                if not n:
                    return "n/a"
                m = self.median(tool, case, key)
                v = fmt(m * scale if m is not None else None, digits)
                return v + (" (%d/%d ok)" % (ok, n) if ok < n else "")
            h, b = self.median("host", case, key), self.median("bits", case, key)
            r = ratio(b, h) if lower_better else ratio(h, b)
            X.append("| %s | %s | %s | %s | %s |" % (label, c("bitsdo"), c("host"), c("bits"), r))

        xrow("GetProgress from the client during the %s download, ns/call" % big_label, "probe",
             "probe_ns_per_call", 1)
        xrow("Activation, server not running: CoCreateInstance, ms", "act_cold", "t_activate", 1, 1e3)
        xrow("same plus the first call (EnumJobs, Next), ms", "act_cold", "t_total", 1, 1e3)
        xrow("Activation, server running: CoCreateInstance, ms", "act_warm", "t_activate", 1, 1e3)
        xrow("same plus the first call (EnumJobs, Next), ms", "act_warm", "t_total", 1, 1e3)
        xrow("%s, MB/s" % big_label, "big", "mb_per_s", 1, lower_better=False)
        xrow("%s, files/s" % small_label, "many", "files_per_s", 0, lower_better=False)
        if "job200" in cases:
            xrow("%d files in one job, files/s" % min(JOB200, self.a.small_count), "job200", "files_per_s", 0,
                 lower_better=False)
        if "https" in cases:
            xrow("%s over https, MB/s" % big_label, "https", "mb_per_s", 1, lower_better=False)
        xtable = "\n".join(X)

        def r_of(a, b):
            return a / b if a and b else None

        file_r = r_of(self.median("bitsdo", "file", "mb_per_s"), self.median("curl", "file", "mb_per_s"))
        enum10k = self.median("bitsdo", "scale10000", "t_enum")
        heap = [v for c in cases if growth_kind(c) == "scale" for v in self.values("bitsdo", c, "heap_bytes_per_job")]
        T = []
        T.append("| Target (issue 13) | Measured | Result |")
        T.append("|---|---:|---|")

        def trow(label, value, goal, text=None, lower=False):
            if value is None:
                T.append("| %s | n/a | not measured |" % label)
                return
            ok = value <= goal if lower else value >= goal
            T.append("| %s | %s | %s |" % (label, text or "%.2fx" % value, "met" if ok else "**missed**"))

        trow("%s over http >= 0.8x curl" % big_label, r_big_curl, 0.8)
        trow("%s from a local path (file://) >= 0.8x cp" % big_label, file_r, 0.8)
        trow("%s >= 0.5x curl" % small_label, r_of(many["bitsdo"], many["curl"]), 0.5)
        trow("%s >= 2x Wine's BITS (its better form)" % small_label, r_many_bits, 2)
        trow("200 files in one job >= 0.5x one curl", r_of(job200["bitsdo"], job200["curl"]), 0.5)
        trow("200 files in one job >= 2x Wine's BITS", r_of(job200["bitsdo"], job200["bits"]), 2)
        trow("GetProgress from a 2nd thread <= 100 ns/call", probe["bitsdo"], 100,
             "%.0f ns" % probe["bitsdo"] if probe["bitsdo"] else None, lower=True)
        trow("EnumJobs over 10,000 jobs < 50 ms (in-process)", enum10k * 1e3 if enum10k is not None else None, 50,
             "%.2f ms" % (enum10k * 1e3) if enum10k is not None else None, lower=True)
        trow("heap per idle job < 8 KB", max(heap) if heap else None, 8192,
             "%.0f bytes" % max(heap) if heap else None, lower=True)
        targets = "\n".join(T)

        S = ["| Tool | Case | Metric | min | median | max | runs ok |", "|---|---|---|---:|---:|---:|---:|"]
        metrics = {"big": ("mb_per_s", "MB/s"), "many": ("files_per_s", "files/s"),
                   "job200": ("files_per_s", "files/s"), "https": ("mb_per_s", "MB/s"),
                   "many1": ("files_per_s", "files/s"), "probe": ("probe_ns_per_call", "GetProgress ns/call"),
                   "act_cold": ("t_total", "activation + first call ms"),
                   "act_warm": ("t_total", "activation + first call ms")}
        for case in self.a.cases.split(","):
            key, label = metrics.get(case, ("t_total", "s"))
            scale = 1e3 if case in ACT else 1.0
            for tool in self.tools:
                v = [x * scale for x in self.values(tool, case, key)]
                ok, n = self.runs_of(tool, case)
                if not n:
                    continue
                if v:
                    S.append("| %s | %s | %s | %.1f | %.1f | %.1f | %d/%d |" % (
                        NAMES[tool], case, label, min(v), statistics.median(v), max(v), ok, n))
                else:
                    S.append("| %s | %s | %s | - | - | - | 0/%d |" % (NAMES[tool], case, label, n))
        spread = "\n".join(S)

        G = []
        def gmed(tool, case, key, scale=1.0, digits=1):
            v = self.median(tool, case, key)
            return "-" if v is None else ("%." + str(digits) + "f") % (v * scale)
        for case in self.a.cases.split(","):
            kind = growth_kind(case)
            if kind == "scale":
                for tool in GROWTH_TOOLS["scale"]:
                    if tool in self.tools:
                        G.append("| %s | %s idle jobs | %s | %s | %s | %s | %s | %s | %s |" % (
                            NAMES[tool], "{:,}".format(int(case[5:])), gmed(tool, case, "t_create", 1e3),
                            gmed(tool, case, "t_enum", 1e3, 2), gmed(tool, case, "getjob_us", 1, 1),
                            gmed(tool, case, "t_cancel", 1e3), gmed(tool, case, "heap_bytes_per_job", 1, 0),
                            gmed(tool, case, "t_restart_answer", 1e3), gmed(tool, case, "t_restart", 1e3)))
        if G:
            G = ["| Tool | Jobs | CreateJob+AddFile, all, ms | EnumJobs walked, ms | GetJob, us/call | "
                 "Cancel, all, ms | heap bytes per idle job | host start-up with them stored: until it answers, ms "
                 "| until all are listed, ms |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"] + G
        J = []
        for case in self.a.cases.split(","):
            kind = growth_kind(case)
            if kind == "jobs":
                J.append("| %s files of %s in %s jobs at once, files/s | %s | %s |" % (
                    "{:,}".format(self.a.small_count), self.a.small_size, "{:,}".format(int(case[4:])),
                    gmed("bitsdo", case, "files_per_s", 1, 0), gmed("host", case, "files_per_s", 1, 0)))
            elif kind == "file":
                b, c = self.median("bitsdo", case, "mb_per_s"), self.median("curl", case, "mb_per_s")
                J.append("| one %s file from a local path (file:// against cp), MB/s | %s | cp: %s (%s) |" % (
                    self.a.big_size, gmed("bitsdo", case, "mb_per_s"), gmed("curl", case, "mb_per_s"),
                    ratio(b, c)))
        if J:
            J = ["| Case | bitsdo.dll | bitsdo host (jobs), cp (file) |", "|---|---:|---:|"] + J
        growth = "\n".join(G) + ("\n\n" if G and J else "") + "\n".join(J)

        errs = []
        for tool in self.tools:
            for case in self.a.cases.split(","):
                for e in self.errors(tool, case):
                    errs.append("- %s / %s: %s" % (NAMES[tool], case, e))

        runs_line = "%d runs per case and tool" % self.a.runs
        if self.a.bits_runs != self.a.runs:
            runs_line += " (%d for Wine BITS)" % self.a.bits_runs
        if self.a.growth_runs != self.a.runs:
            runs_line += " (%d for the growth cases scaleN, jobsN)" % self.a.growth_runs
        git = run(["git", "-C", ROOT, "describe", "--always", "--dirty"], check=False).stdout.strip() or "?"
        cpu = "?"
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
        except OSError:
            pass
        mem = "?"
        try:
            with open("/proc/meminfo") as f:
                mem = "%.0f GB" % (int(f.readline().split()[1]) / 1024 / 1024)
        except OSError:
            pass
        machine = [
            "- date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "- source: git %s" % git,
            "- CPU: %s, %d logical CPUs; RAM %s; %s %s" % (cpu, os.cpu_count() or 0, mem, platform.system(),
                                                        platform.release()),
            "- %s; %s; %s" % (first_line(["wine", "--version"], "wine-"), first_line(["curl", "--version"]).split(" (")[0],
                              first_line(["/usr/sbin/nginx", "-v"])),
            "- %s" % first_line(["x86_64-w64-mingw32-gcc", "--version"]),
        ]
        cmds = sorted({r["command"].replace(self.work, "$WORK") for r in self.results
                       if r.get("command") and r.get("rep") == 1})
        md = []
        md.append("## Benchmark results\n")
        md.append("Medians of %s, interleaved, loopback nginx 1.22 (sendfile, keep-alive), "
                  "files written to disk (page cache). Throughput counts from CreateJob to the return of "
                  "Complete (curl: the whole curl process); MB = 10^6 bytes. Ratios are oriented so that "
                  "above 1 means bitsdo is better: rates are bitsdo / other, times and ns/call other / bitsdo.\n"
                  % runs_line)
        md.append(table + "\n")
        md.append("Jobs in the per-user host against Wine's BITS service (ratios: above 1 means the host is "
                  "better):\n\n" + xtable + "\n")
        md.append(targets + "\n")
        if growth:
            md.append("How cost grows (policies MaxJobsPerUser/MaxJobsPerMachine raised to 100,000 in the "
                      "bench prefix):\n\n" + growth + "\n")
        md.append("Spread of the runs:\n\n" + spread + "\n")
        if errs:
            md.append("Failures:\n\n" + "\n".join(errs) + "\n")
        md.append("Produced by `cmake --build --preset mingw --target bench`, which runs:\n\n```\n%s\n```\n" % " ".join(shlex.quote(a) for a in argv))
        md.append("Machine:\n\n" + "\n".join(machine) + "\n")
        md.append("Per-run commands (rep 1; `$WORK` = %s):\n\n```\n%s\n```\n" % (self.work, "\n".join(cmds)))
        text = "\n".join(md)
        with open(os.path.join(self.work, "results.md"), "w") as f:
            f.write(text)
        with open(os.path.join(self.work, "results.json"), "w") as f:
            json.dump({"args": vars(self.a), "results": self.results}, f, indent=1)
        print()
        print(text)
        say("written %s and results.json" % os.path.join(self.work, "results.md"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exe", required=True, help="bench.exe")
    p.add_argument("--dll", required=True, help="bitsdo.dll (registered into the bench Wine prefix)")
    p.add_argument("--work", required=True, help="work folder: Wine prefix, nginx, results.md")
    p.add_argument("--runs", type=int, default=int(os.environ.get("BITSDO_BENCH_RUNS", "5")))
    p.add_argument("--bits-runs", type=int, default=None, help="runs for Wine BITS (default: --runs)")
    p.add_argument("--tools", default="bitsdo,host,bits,curl")
    p.add_argument("--growth-runs", type=int, default=None,
                   help="runs of the scaleN and jobsN cases (default: --runs); they are long in the host")
    p.add_argument("--cases", default="big,many,job200,https,probe,file,act_cold,act_warm",
                   help="big: one large file; many: the small files (--per-job files per job); "
                        "many1: all the small files in one job (Wine's BITS has no 200-file limit); "
                        "job200: 200 of them in one job (curl: one process, one connection); "
                        "https: the big file over https; probe: GetProgress ns/call during 'big'; "
                        "act_cold/act_warm: activation with the server stopped/running; "
                        "scaleN: N idle jobs (create, EnumJobs, GetJob, Cancel, heap per job); "
                        "jobsN: the small files over N jobs at once; file: the big file through file:// against cp")
    p.add_argument("--big-size", default="200M")
    p.add_argument("--small-count", type=int, default=1000)
    p.add_argument("--small-size", default="10K")
    p.add_argument("--per-job", type=int, default=200,
                   help="files per job in case 'many' (200: BITS's default MaxFilesPerJob, bitsdo's cap)")
    p.add_argument("--bitsdo-file-urls", action="store_true",
                   help="smoke check: bitsdo reads the nginx files through file:// instead of http")
    p.add_argument("--timeout", type=int, default=600, help="seconds per run")
    p.add_argument("--trust-ca", default=None, help="trust_ca.exe for case https (default: beside --exe)")
    a = p.parse_args()
    if a.bits_runs is None:
        a.bits_runs = a.runs
    if a.growth_runs is None:
        a.growth_runs = a.runs
    env_bits = os.environ.get("BITSDO_BENCH_BITS_RUNS")
    if env_bits:
        a.bits_runs = int(env_bits)
    if a.runs < 1 or a.bits_runs < 1 or a.small_count < 1:
        p.error("--runs, --bits-runs and --small-count must be at least 1")
    for t in a.tools.split(","):
        if t not in NAMES:
            p.error("unknown tool %s" % t)
    b = Bench(a)
    try:
        b.setup()
        b.matrix()
    finally:
        b.teardown()
    b.report([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
