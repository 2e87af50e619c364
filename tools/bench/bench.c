/*
 * bench.c - one timed BITS download job, for the benchmark table.
 *
 * SPDX-License-Identifier: MIT
 *
 * The same client code runs against any BITS-compatible manager: bitsdo.dll
 * (CLSID_BitsdoPrivateManager, in-process; or CLSID_BitsdoManager, whose
 * jobs live in the per-user host bitsdo-host.exe) or the system's BITS
 * (CLSID_BackgroundCopyManager; under Wine that is the qmgr service, in
 * another process). It creates one download job, adds the files (one
 * AddFileSet call), resumes it, waits for TRANSFERRED (notification
 * callback plus a bounded GetState poll as a fallback), calls Complete,
 * checks every local file's size and prints one machine-readable line:
 *
 *   RESULT manager=bitsdo files=1 bytes=209715200 t_create=... t_transfer=...
 *          t_complete=... t_total=... mb_per_s=... files_per_s=...
 *          probe_calls=... probe_ns_per_call=... probe_backwards=... notify=...
 *
 * Times are seconds. t_total runs from CreateJob to the return of Complete
 * (creation and AddFileSet included); mb_per_s and files_per_s use t_total;
 * MB is 10^6 bytes. The COM activation (CoCreateInstance) is reported
 * apart as t_activate.
 *
 * With --probe a second thread calls IBackgroundCopyJob::GetProgress in a
 * tight loop from Resume until TRANSFERRED is seen and reports the mean
 * cost per call; probe_backwards counts snapshots whose BytesTransferred
 * went down (should stay 0).
 *
 * With --activate-only it times CoCreateInstance and the first call that
 * reaches the server (EnumJobs, one Next) and prints
 *   RESULT manager=host t_activate=... t_firstcall=... t_total=...
 *
 * With --scale N it measures how the cost grows with the number of jobs:
 * it creates N idle jobs of one file each (CreateJob + AddFile, not
 * resumed), then times one EnumJobs walked to its end (IEnumBackgroundCopyJobs
 * Next in batches of 100), GetJob of every job by its id, and Cancel of
 * every job, and prints
 *   RESULT manager=bitsdo jobs=N enumerated=... t_create=... t_enum=...
 *          getjob_us=... t_cancel=... heap_bytes_per_job=...
 * With --restart-host EXE (the host's own manager, "host"), after GetJob
 * and before Cancel it stops the host (EXE -Stop: the host writes every job
 * to its store and leaves), then times the host's start-up with the N
 * stored jobs: CoCreateInstance (which starts it) and one EnumJobs walked
 * until all N jobs are back, printed as t_restart=... (seconds), and
 * CoCreateInstance alone (the host answers once its store is loaded) as
 * t_restart_answer=....
 * heap_bytes_per_job is the growth of the bytes in use in the process's
 * heaps (HeapWalk) per idle job; 0 for a manager in another process (and
 * the handles a job holds live in the wineserver, not counted). Jobs
 * already there are counted by EnumJobs but not created or cancelled.
 *
 * Usage:
 *   bench --manager bitsdo|host|bits|{CLSID} --dest WINDIR --url URL --scale N
 *         [--restart-host EXE]
 *   bench --manager bitsdo|host|bits|{CLSID} --dest WINDIR --size BYTES
 *         (--url URL | --url-prefix URL --count N [--width W])
 *         [--per-job N] [--probe] [--timeout SECONDS] [--poll-ms MS]
 *   bench --manager bitsdo|host|bits|{CLSID} --activate-only
 *
 * --url-prefix http://h/small/f --count 1000 --width 4 adds
 * http://h/small/f0000 .. f0999 as WINDIR\f0000 .. f0999.
 * --per-job N spreads the files over several jobs of at most N files
 * (BITS's default MaxFilesPerJob policy is 200), all created first, then
 * all resumed; the run ends when every job is TRANSFERRED and completed.
 * Exit status: 0 success, 1 the job failed or timed out, 2 usage error.
 */
#include "bitsdo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ------------------------------------------------------------------ */
/* clock                                                                */
/* ------------------------------------------------------------------ */

static LARGE_INTEGER bench_freq;

static double bench_now(void)
{
    LARGE_INTEGER t;

    QueryPerformanceCounter(&t);
    return (double)t.QuadPart / (double)bench_freq.QuadPart;
}

/* ------------------------------------------------------------------ */
/* notification callback: JobTransferred / JobError set one event       */
/* ------------------------------------------------------------------ */

struct bench_callback
{
    IBackgroundCopyCallback IBackgroundCopyCallback_iface;
    LONG refs;
    HANDLE event;
    LONG transferred;
    LONG errored;
};

static struct bench_callback *impl_from_IBackgroundCopyCallback(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct bench_callback, IBackgroundCopyCallback_iface);
}

static HRESULT WINAPI callback_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback)) {
        *out = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI callback_AddRef(IBackgroundCopyCallback *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyCallback(iface)->refs);
}

static ULONG WINAPI callback_Release(IBackgroundCopyCallback *iface)
{
    /* static object: never freed */
    return InterlockedDecrement(&impl_from_IBackgroundCopyCallback(iface)->refs);
}

static HRESULT WINAPI callback_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    struct bench_callback *cb = impl_from_IBackgroundCopyCallback(iface);

    (void)job;
    InterlockedExchange(&cb->transferred, 1);
    SetEvent(cb->event);
    return S_OK;
}

static HRESULT WINAPI callback_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                        IBackgroundCopyError *error)
{
    struct bench_callback *cb = impl_from_IBackgroundCopyCallback(iface);

    (void)job;
    (void)error;
    InterlockedExchange(&cb->errored, 1);
    SetEvent(cb->event);
    return S_OK;
}

static HRESULT WINAPI callback_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                               DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl bench_callback_vtbl = {
    callback_QueryInterface,
    callback_AddRef,
    callback_Release,
    callback_JobTransferred,
    callback_JobError,
    callback_JobModification,
};

static struct bench_callback bench_cb = {{&bench_callback_vtbl}, 1, NULL, 0, 0};

/* ------------------------------------------------------------------ */
/* GetProgress probe thread                                             */
/* ------------------------------------------------------------------ */

struct bench_probe
{
    IBackgroundCopyJob *job;
    volatile LONG stop;
    HANDLE started;
    LONG64 calls;
    LONG64 failures;
    LONG64 backwards;
    double seconds;
};

static DWORD WINAPI probe_thread(void *arg)
{
    struct bench_probe *probe = arg;
    BG_JOB_PROGRESS progress;
    UINT64 last = 0;
    LONG64 calls = 0, failures = 0, backwards = 0;
    double t0, t1;
    HRESULT init;

    init = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    SetEvent(probe->started);
    t0 = bench_now();
    while (!InterlockedCompareExchange(&probe->stop, 0, 0)) {
        if (FAILED(IBackgroundCopyJob_GetProgress(probe->job, &progress))) {
            failures++;
        } else {
            if (progress.BytesTransferred != BG_SIZE_UNKNOWN) {
                if (progress.BytesTransferred < last)
                    backwards++;
                last = progress.BytesTransferred;
            }
        }
        calls++;
    }
    t1 = bench_now();
    probe->calls = calls;
    probe->failures = failures;
    probe->backwards = backwards;
    probe->seconds = t1 - t0;
    if (SUCCEEDED(init))
        CoUninitialize();
    return 0;
}

/* ------------------------------------------------------------------ */
/* helpers                                                              */
/* ------------------------------------------------------------------ */

static const char *state_name(BG_JOB_STATE state)
{
    static const char *const names[] = {
        "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
        "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED",
    };
    return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "UNKNOWN";
}

static void print_job_error(IBackgroundCopyJob *job)
{
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT context = BG_ERROR_CONTEXT_NONE;
    HRESULT code = S_OK;
    WCHAR *desc = NULL;

    if (FAILED(IBackgroundCopyJob_GetError(job, &error)) || !error) {
        printf("ERROR job in ERROR state, GetError failed\n");
        return;
    }
    IBackgroundCopyError_GetError(error, &context, &code);
    if (FAILED(IBackgroundCopyError_GetErrorDescription(error, GetThreadLocale(), &desc)))
        desc = NULL;
    printf("ERROR job error 0x%08lx context %d: %ls\n", (unsigned long)code, (int)context,
           desc ? desc : L"(no description)");
    if (desc)
        CoTaskMemFree(desc);
    IBackgroundCopyError_Release(error);
}

static WCHAR *widen(const WCHAR *s)
{
    size_t n = wcslen(s) + 1;
    WCHAR *copy = malloc(n * sizeof(WCHAR));

    if (copy)
        memcpy(copy, s, n * sizeof(WCHAR));
    return copy;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: bench --manager bitsdo|host|bits|{CLSID} --dest WINDIR --url URL --scale N [--restart-host EXE]\n"
            "       bench --manager bitsdo|host|bits|{CLSID} --dest WINDIR --size BYTES\n"
            "             (--url URL | --url-prefix URL --count N [--width W])\n"
            "             [--per-job N] [--probe] [--timeout SECONDS] [--poll-ms MS]\n"
            "       bench --manager bitsdo|host|bits|{CLSID} --activate-only\n");
    return 2;
}

static int fail(HRESULT hr, const char *what)
{
    printf("ERROR %s failed: 0x%08lx\n", what, (unsigned long)hr);
    fflush(stdout);
    return 1;
}

/* ------------------------------------------------------------------ */
/* main                                                                 */
/* ------------------------------------------------------------------ */

static BOOL state_is_final(BG_JOB_STATE state)
{
    return state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR ||
           state == BG_JOB_STATE_CANCELLED || state == BG_JOB_STATE_ACKNOWLEDGED;
}

/* ------------------------------------------------------------------ */
/* activation cost                                                      */
/* ------------------------------------------------------------------ */

/* "bitsdo": the private in-process class; "host": the public class, whose
 * jobs live in the per-user host (bitsdo-host.exe); "bits": the system's
 * BITS; or any CLSID. Returns the name printed, NULL if unknown. */
static const char *manager_clsid(const WCHAR *arg, CLSID *clsid)
{
    if (!_wcsicmp(arg, L"bitsdo")) {
        *clsid = CLSID_BitsdoPrivateManager;
        return "bitsdo";
    }
    if (!_wcsicmp(arg, L"host")) {
        *clsid = CLSID_BitsdoManager;
        return "host";
    }
    if (!_wcsicmp(arg, L"bits")) {
        *clsid = CLSID_BackgroundCopyManager;
        return "bits";
    }
    return SUCCEEDED(CLSIDFromString(arg, clsid)) ? "clsid" : NULL;
}

/* --activate-only: CoCreateInstance of the manager, then its first real
 * call (EnumJobs and one Next, which reach the server wherever it is). */
static int activate(const WCHAR *arg)
{
    IBackgroundCopyManager *manager = NULL;
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job = NULL;
    double t0, t1, t2;
    const char *name;
    ULONG fetched = 0;
    CLSID clsid;
    HRESULT hr;

    if (!(name = manager_clsid(arg, &clsid)))
        return usage();
    if (FAILED(hr = CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return fail(hr, "CoInitializeEx");
    t0 = bench_now();
    hr = CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&manager);
    t1 = bench_now();
    if (FAILED(hr)) {
        CoUninitialize();
        return fail(hr, "CoCreateInstance");
    }
    if (SUCCEEDED(hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs))) {
        hr = IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched);
        if (job)
            IBackgroundCopyJob_Release(job);
        IEnumBackgroundCopyJobs_Release(jobs);
    }
    t2 = bench_now();
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    if (FAILED(hr))
        return fail(hr, "EnumJobs");
    printf("RESULT manager=%s t_activate=%.6f t_firstcall=%.6f t_total=%.6f\n", name, t1 - t0, t2 - t1, t2 - t0);
    return 0;
}

/* ------------------------------------------------------------------ */
/* scaling with the number of jobs                                      */
/* ------------------------------------------------------------------ */

/* Bytes in use in every heap of the process (HeapWalk's busy blocks):
 * what the DLL allocated, whichever heap malloc sits on. */
static unsigned long long heap_in_use(void)
{
    HANDLE heaps[64];
    DWORD n = GetProcessHeaps(ARRAYSIZE(heaps), heaps), i;
    unsigned long long total = 0;

    for (i = 0; i < n && i < ARRAYSIZE(heaps); i++) {
        PROCESS_HEAP_ENTRY e;

        e.lpData = NULL;
        if (!HeapLock(heaps[i]))
            continue;
        while (HeapWalk(heaps[i], &e))
            if (e.wFlags & PROCESS_HEAP_ENTRY_BUSY)
                total += e.cbData;
        HeapUnlock(heaps[i]);
    }
    return total;
}

/* Runs "EXE -Stop" and waits for it (bounded: 120 s). */
static HRESULT stop_host(const WCHAR *exe)
{
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    WCHAR cmd[MAX_PATH + 16];
    DWORD code = 1;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    _snwprintf(cmd, ARRAYSIZE(cmd), L"\"%ls\" -Stop", exe);
    cmd[ARRAYSIZE(cmd) - 1] = 0;
    if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
        return HRESULT_FROM_WIN32(GetLastError());
    if (WaitForSingleObject(pi.hProcess, 120000) != WAIT_OBJECT_0)
        TerminateProcess(pi.hProcess, 1);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    return code ? E_FAIL : S_OK;
}

/* EnumJobs walked to its end: how many jobs it returned. */
static HRESULT walk_jobs(IBackgroundCopyManager *manager, unsigned *seen)
{
    IEnumBackgroundCopyJobs *e = NULL;
    IBackgroundCopyJob *batch[100];
    ULONG got, k;
    HRESULT hr;

    *seen = 0;
    if (FAILED(hr = IBackgroundCopyManager_EnumJobs(manager, 0, &e)))
        return hr;
    do {
        got = 0;
        hr = IEnumBackgroundCopyJobs_Next(e, ARRAYSIZE(batch), batch, &got);
        for (k = 0; k < got; k++)
            IBackgroundCopyJob_Release(batch[k]);
        *seen += got;
    } while (hr == S_OK && got);
    IEnumBackgroundCopyJobs_Release(e);
    return FAILED(hr) ? hr : S_OK;
}

/* --scale N: see the head of this file. */
static int scale(const WCHAR *manager_arg, const WCHAR *dest, const WCHAR *url, unsigned n, const WCHAR *host_exe)
{
    IBackgroundCopyManager *manager = NULL;
    GUID *ids = calloc(n, sizeof(*ids));
    WCHAR local[MAX_PATH];
    unsigned long long heap0, heap1;
    unsigned i, seen = 0;
    double t0, t_create, t_enum, t_get, t_cancel, t_restart = -1, t_restart_answer = -1;
    const char *name;
    CLSID clsid;
    HRESULT hr;

    if (!ids || !(name = manager_clsid(manager_arg, &clsid)))
        return usage();
    if (FAILED(hr = CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return fail(hr, "CoInitializeEx");
    if (FAILED(hr = CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER,
                                     &IID_IBackgroundCopyManager, (void **)&manager)))
        return fail(hr, "CoCreateInstance");
    heap0 = heap_in_use();
    t0 = bench_now();
    for (i = 0; i < n; i++) {
        IBackgroundCopyJob *job;

        if (FAILED(hr = IBackgroundCopyManager_CreateJob(manager, L"bitsdo bench scale", BG_JOB_TYPE_DOWNLOAD,
                                                         &ids[i], &job)))
            return fail(hr, "CreateJob");
        _snwprintf(local, ARRAYSIZE(local), L"%ls\\scale%06u", dest, i);
        local[ARRAYSIZE(local) - 1] = 0;
        hr = IBackgroundCopyJob_AddFile(job, url, local);
        IBackgroundCopyJob_Release(job);
        if (FAILED(hr))
            return fail(hr, "AddFile");
    }
    t_create = bench_now() - t0;
    heap1 = heap_in_use();

    t0 = bench_now();
    hr = walk_jobs(manager, &seen);
    t_enum = bench_now() - t0;
    if (FAILED(hr) || seen < n)
        return fail(FAILED(hr) ? hr : E_FAIL, "EnumJobs: Next");

    t0 = bench_now();
    for (i = 0; i < n; i++) {
        IBackgroundCopyJob *job;

        if (FAILED(hr = IBackgroundCopyManager_GetJob(manager, &ids[i], &job)))
            return fail(hr, "GetJob");
        IBackgroundCopyJob_Release(job);
    }
    t_get = bench_now() - t0;

    if (host_exe) {
        unsigned back = 0;

        IBackgroundCopyManager_Release(manager);
        manager = NULL;
        if (FAILED(hr = stop_host(host_exe)))
            return fail(hr, "bitsdo-host.exe -Stop");
        t0 = bench_now();
        if (FAILED(hr = CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER,
                                         &IID_IBackgroundCopyManager, (void **)&manager)))
            return fail(hr, "CoCreateInstance after the host stopped");
        t_restart_answer = bench_now() - t0; /* the host registers once its jobs are loaded */
        hr = walk_jobs(manager, &back);
        t_restart = bench_now() - t0;
        if (FAILED(hr) || back < n)
            return fail(FAILED(hr) ? hr : E_FAIL, "EnumJobs after the restart");
    }

    t0 = bench_now();
    for (i = 0; i < n; i++) {
        IBackgroundCopyJob *job;

        if (FAILED(hr = IBackgroundCopyManager_GetJob(manager, &ids[i], &job)))
            return fail(hr, "GetJob before Cancel");
        hr = IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
        if (FAILED(hr))
            return fail(hr, "Cancel");
    }
    t_cancel = bench_now() - t0; /* (GetJob included: subtract getjob_us * n) */

    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    free(ids);
    printf("RESULT manager=%s jobs=%u enumerated=%u t_create=%.6f t_enum=%.6f getjob_us=%.3f t_cancel=%.6f "
           "heap_bytes_per_job=%.0f",
           name, n, seen, t_create, t_enum, t_get * 1e6 / n, t_cancel,
           heap1 > heap0 ? (double)(heap1 - heap0) / n : 0.0);
    if (host_exe)
        printf(" t_restart_answer=%.6f t_restart=%.6f", t_restart_answer, t_restart);
    printf("\n");
    return 0;
}

int wmain(int argc, WCHAR **argv)
{
    const WCHAR *manager_arg = NULL, *dest = NULL, *url = NULL, *prefix = NULL, *host_exe = NULL;
    const char *manager_name = "bits";
    BOOL activate_only = FALSE;
    unsigned long long size = 0;
    unsigned count = 1, width = 4, timeout_s = 600, poll_ms = 5, per_job = 0, njobs, j, scale_jobs = 0;
    BOOL probe_on = FALSE, callbacks = TRUE;
    CLSID clsid;
    IBackgroundCopyManager *manager = NULL;
    IBackgroundCopyJob **jobs = NULL;
    BG_FILE_INFO *infos;
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    struct bench_probe probe;
    HANDLE probe_handle = NULL;
    double t_act0, t_act1, t0, t_created, t_resumed, t_transferred, t_completed, deadline;
    GUID job_id;
    HRESULT hr, init;
    unsigned i, bad = 0;
    int rc = 1, a;

    QueryPerformanceFrequency(&bench_freq);
    memset(&probe, 0, sizeof(probe));

    for (a = 1; a < argc; a++) {
        const WCHAR *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

        if (!wcscmp(arg, L"--probe")) {
            probe_on = TRUE;
            continue;
        }
        if (!wcscmp(arg, L"--activate-only")) {
            activate_only = TRUE;
            continue;
        }
        if (!val)
            return usage();
        if (!wcscmp(arg, L"--manager"))
            manager_arg = val;
        else if (!wcscmp(arg, L"--dest"))
            dest = val;
        else if (!wcscmp(arg, L"--url"))
            url = val;
        else if (!wcscmp(arg, L"--url-prefix"))
            prefix = val;
        else if (!wcscmp(arg, L"--size"))
            size = wcstoull(val, NULL, 10);
        else if (!wcscmp(arg, L"--count"))
            count = (unsigned)wcstoul(val, NULL, 10);
        else if (!wcscmp(arg, L"--width"))
            width = (unsigned)wcstoul(val, NULL, 10);
        else if (!wcscmp(arg, L"--per-job"))
            per_job = (unsigned)wcstoul(val, NULL, 10);
        else if (!wcscmp(arg, L"--timeout"))
            timeout_s = (unsigned)wcstoul(val, NULL, 10);
        else if (!wcscmp(arg, L"--poll-ms"))
            poll_ms = (unsigned)wcstoul(val, NULL, 10);
        else if (!wcscmp(arg, L"--scale"))
            scale_jobs = (unsigned)wcstoul(val, NULL, 10);
        else if (!wcscmp(arg, L"--restart-host"))
            host_exe = val;
        else
            return usage();
        a++;
    }
    if (activate_only && manager_arg)
        return activate(manager_arg);
    if (scale_jobs)
        return manager_arg && dest && url && scale_jobs <= 1000000 ? scale(manager_arg, dest, url, scale_jobs, host_exe)
                                                                 : usage();
    if (!manager_arg || !dest || !size || (!url == !prefix) || !count || count > 100000 ||
        width > 9 || !timeout_s || !poll_ms)
        return usage();
    if (url)
        count = 1;
    if (!per_job || per_job > count)
        per_job = count;
    njobs = (count + per_job - 1) / per_job;

    if (!(manager_name = manager_clsid(manager_arg, &clsid)))
        return usage();

    /* the file list */
    infos = calloc(count, sizeof(*infos));
    jobs = calloc(njobs, sizeof(*jobs));
    if (!infos || !jobs)
        return fail(E_OUTOFMEMORY, "calloc");
    for (i = 0; i < count; i++) {
        WCHAR buf[2048];
        const WCHAR *base;

        if (url) {
            base = wcsrchr(url, L'/');
            base = base ? base + 1 : url;
            if (!*base)
                base = L"download.bin";
            infos[i].RemoteName = widen(url);
            _snwprintf(buf, ARRAYSIZE(buf), L"%ls\\%ls", dest, base);
        } else {
            base = wcsrchr(prefix, L'/');
            base = base ? base + 1 : prefix;
            _snwprintf(buf, ARRAYSIZE(buf), L"%ls%0*u", prefix, (int)width, i);
            buf[ARRAYSIZE(buf) - 1] = 0;
            infos[i].RemoteName = widen(buf);
            _snwprintf(buf, ARRAYSIZE(buf), L"%ls\\%ls%0*u", dest, base, (int)width, i);
        }
        buf[ARRAYSIZE(buf) - 1] = 0;
        infos[i].LocalName = widen(buf);
        if (!infos[i].RemoteName || !infos[i].LocalName)
            return fail(E_OUTOFMEMORY, "malloc");
    }

    init = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(init))
        return fail(init, "CoInitializeEx");
    /* let a cross-process manager call back into us */
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE,
                         NULL, EOAC_NONE, NULL);

    bench_cb.event = CreateEventW(NULL, FALSE, FALSE, NULL);
    probe.started = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (!bench_cb.event || !probe.started) {
        rc = fail(HRESULT_FROM_WIN32(GetLastError()), "CreateEvent");
        goto out;
    }

    t_act0 = bench_now();
    hr = CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&manager);
    t_act1 = bench_now();
    if (FAILED(hr)) {
        rc = fail(hr, "CoCreateInstance");
        goto out;
    }

    t0 = bench_now();
    for (j = 0; j < njobs; j++) {
        unsigned first = j * per_job, n = count - first < per_job ? count - first : per_job;

        hr = IBackgroundCopyManager_CreateJob(manager, L"bitsdo-bench", BG_JOB_TYPE_DOWNLOAD, &job_id, &jobs[j]);
        if (FAILED(hr)) {
            jobs[j] = NULL;
            rc = fail(hr, "CreateJob");
            goto cancel;
        }
        hr = IBackgroundCopyJob_SetPriority(jobs[j], BG_JOB_PRIORITY_FOREGROUND);
        if (FAILED(hr)) {
            rc = fail(hr, "SetPriority");
            goto cancel;
        }
        hr = IBackgroundCopyJob_AddFileSet(jobs[j], n, infos + first);
        if (FAILED(hr)) {
            rc = fail(hr, "AddFileSet");
            goto cancel;
        }
        if (FAILED(IBackgroundCopyJob_SetNotifyInterface(jobs[j], (IUnknown *)&bench_cb.IBackgroundCopyCallback_iface)) ||
            FAILED(IBackgroundCopyJob_SetNotifyFlags(jobs[j], BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR)))
            callbacks = FALSE;
    }
    t_created = bench_now();

    if (probe_on) {
        probe.job = jobs[0];
        probe_handle = CreateThread(NULL, 0, probe_thread, &probe, 0, NULL);
        if (!probe_handle) {
            rc = fail(HRESULT_FROM_WIN32(GetLastError()), "CreateThread");
            goto cancel;
        }
        if (WaitForSingleObject(probe.started, 10000) != WAIT_OBJECT_0) {
            rc = fail(E_FAIL, "probe thread start");
            goto cancel;
        }
    }

    t_resumed = bench_now();
    for (j = 0; j < njobs; j++) {
        hr = IBackgroundCopyJob_Resume(jobs[j]);
        if (FAILED(hr)) {
            rc = fail(hr, "Resume");
            goto cancel;
        }
    }

    /* wait: the callback wakes us at once; the poll covers a manager that
     * cannot call back (bounded by --timeout). j: jobs seen finished. */
    deadline = t_resumed + timeout_s;
    j = 0;
    for (;;) {
        WaitForSingleObject(bench_cb.event, poll_ms);
        while (j < njobs) {
            hr = IBackgroundCopyJob_GetState(jobs[j], &state);
            if (FAILED(hr)) {
                rc = fail(hr, "GetState");
                goto cancel;
            }
            if (!state_is_final(state))
                break;
            if (state != BG_JOB_STATE_TRANSFERRED)
                break;
            j++;
        }
        if (j == njobs || state_is_final(state))
            break;
        if (bench_now() > deadline) {
            printf("ERROR timed out after %u s, job %u in state %s\n", timeout_s, j, state_name(state));
            goto cancel;
        }
    }
    t_transferred = bench_now();

    if (probe_handle) {
        InterlockedExchange(&probe.stop, 1);
        if (WaitForSingleObject(probe_handle, 30000) != WAIT_OBJECT_0) {
            printf("ERROR probe thread did not stop\n");
            goto cancel;
        }
        CloseHandle(probe_handle);
        probe_handle = NULL;
    }

    if (j != njobs) {
        if (state == BG_JOB_STATE_ERROR)
            print_job_error(jobs[j]);
        else
            printf("ERROR job %u ended in state %s\n", j, state_name(state));
        goto cancel;
    }

    for (j = 0; j < njobs; j++) {
        hr = IBackgroundCopyJob_Complete(jobs[j]);
        if (FAILED(hr)) {
            rc = fail(hr, "Complete");
            goto cancel;
        }
        if (hr != S_OK)
            printf("WARNING Complete returned 0x%08lx\n", (unsigned long)hr);
    }
    t_completed = bench_now();

    /* every file must be there, whole */
    for (i = 0; i < count; i++) {
        WIN32_FILE_ATTRIBUTE_DATA data;
        unsigned long long got;

        if (!GetFileAttributesExW(infos[i].LocalName, GetFileExInfoStandard, &data)) {
            if (bad++ < 5)
                printf("ERROR missing %ls (error %lu)\n", infos[i].LocalName, GetLastError());
            continue;
        }
        got = ((unsigned long long)data.nFileSizeHigh << 32) | data.nFileSizeLow;
        if (got != size && bad++ < 5)
            printf("ERROR %ls has %llu bytes, expected %llu\n", infos[i].LocalName, got, size);
    }
    if (bad) {
        printf("ERROR %u of %u files wrong\n", bad, count);
        goto out;
    }

    {
        double total = t_completed - t0;
        unsigned long long bytes = size * count;

        printf("RESULT manager=%s files=%u jobs=%u bytes=%llu t_activate=%.6f t_create=%.6f t_transfer=%.6f "
               "t_complete=%.6f t_total=%.6f mb_per_s=%.3f files_per_s=%.3f notify=%s",
               manager_name, count, njobs, bytes, t_act1 - t_act0, t_created - t0, t_transferred - t_resumed,
               t_completed - t_transferred, total, (double)bytes / 1e6 / total, (double)count / total,
               callbacks ? "callback" : "poll");
        if (probe_on)
            printf(" probe_calls=%lld probe_ns_per_call=%.1f probe_failures=%lld probe_backwards=%lld",
                   (long long)probe.calls, probe.calls ? probe.seconds * 1e9 / (double)probe.calls : 0.0,
                   (long long)probe.failures, (long long)probe.backwards);
        printf("\n");
    }
    rc = 0;
    goto out;

cancel:
    if (probe_handle) {
        InterlockedExchange(&probe.stop, 1);
        WaitForSingleObject(probe_handle, 30000);
        CloseHandle(probe_handle);
        probe_handle = NULL;
    }
    for (j = 0; j < njobs; j++)
        if (jobs[j])
            IBackgroundCopyJob_Cancel(jobs[j]);
out:
    fflush(stdout);
    for (j = 0; jobs && j < njobs; j++) {
        if (jobs[j]) {
            IBackgroundCopyJob_SetNotifyInterface(jobs[j], NULL);
            IBackgroundCopyJob_Release(jobs[j]);
        }
    }
    free(jobs);
    if (manager)
        IBackgroundCopyManager_Release(manager);
    for (i = 0; i < count; i++) {
        free(infos[i].RemoteName);
        free(infos[i].LocalName);
    }
    free(infos);
    if (bench_cb.event)
        CloseHandle(bench_cb.event);
    if (probe.started)
        CloseHandle(probe.started);
    CoUninitialize();
    return rc;
}
