/* Randomized network fault soak (tools/soak.sh runs it; ctest runs a fixed
 * set of seeds as test_soak).
 *
 *   soak.exe [RUNS [SEED]]     (defaults: BITSDO_SOAK_RUNS and
 *                              BITSDO_SOAK_SEED, else 40 and 1)
 *
 * Each run draws a scenario from a generator seeded with SEED and the run's
 * number: a file size, one or two faults of the fault server (a connection
 * dropped or reset at a random byte, a stall past the I/O timeout, 5xx/429
 * with Retry-After, a 200 to a Range request, a wrong Content-Range, a
 * Content-Length larger or smaller than the body, the file changed
 * mid-transfer, chunked or close-delimited bodies, redirect chains and
 * loops, malformed or huge headers, a trickling server), and what the
 * client does meanwhile (nothing, Suspend and Resume, or Cancel, at a
 * random moment), and the family: a BITS job, a Delivery Optimization
 * download or a BITS 1.0 group, in turn. The job is driven to its end,
 * resumed after transient errors, within a bound. Invariants, checked on every run:
 *   - the run ends (TRANSFERRED, ERROR, or cancelled) within the bound;
 *   - TRANSFERRED: after Complete, the file is byte-exact (the served file,
 *     or its changed version under `change`); ERROR: the error has a
 *     documented code (BG_E_*, BG_E_HTTP_ERROR_*, a WinHTTP code, or a
 *     refused redirect's status) and a context, and nothing is at the final
 *     name after Cancel;
 *   - BytesTransferred never exceeds a known BytesTotal, and never goes
 *     backwards except to 0 (a documented restart);
 *   - no temp file is left after Complete or Cancel.
 * A broken run prints one line (seed, run, scenario, what broke); the last
 * line is "N passed, M failed"; the exit code is non-zero if any failed.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_BOUND_MS 60000
#define MAX_RETRIES  12

static IBackgroundCopyManager *mgr;
static IDOManager *do_mgr;
static IBackgroundCopyQMgr *qmgr;
static unsigned runs = 40, seed = 1, passed, failed;

/* splitmix64 */
static UINT64 next_random(UINT64 *state)
{
    UINT64 z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned below(UINT64 *state, unsigned n)
{
    return (unsigned)(next_random(state) % n);
}

/* One fault spec for a file of `size` bytes. */
static void draw_fault(UINT64 *r, UINT64 size, BOOL tls, char *out, size_t cap)
{
    unsigned at = (unsigned)(size > 2 ? 1 + below(r, (unsigned)(size - 1)) : 1);
    unsigned k = 1 + below(r, 3);

    switch (below(r, 20)) {
    case 0: snprintf(out, cap, "drop=%u:%u", at, k); break;
    case 1: snprintf(out, cap, "reset=%u:%u", at, k); break;
    case 2: snprintf(out, cap, "close-early=%u:%u", 1 + below(r, 1000), k); break;
    case 3: snprintf(out, cap, "stall=5000:1,stall-at=%u", at); break;
    case 4: snprintf(out, cap, "status=503:%u,retry-after=1", k); break;
    case 5: snprintf(out, cap, "status=429:%u", k); break;
    case 6: snprintf(out, cap, "status=500:%u", k); break;
    case 7: snprintf(out, cap, "norange"); break;
    case 8: snprintf(out, cap, "badrange:%u", k); break;
    case 9: snprintf(out, cap, "lie-length=+%u:%u", 1 + below(r, 5000), k); break;
    case 10:
        /* A body longer than its Content-Length: the socket path sees the
         * extra bytes and retries; WinHTTP (https) ends the body at the
         * Content-Length, as it does for Windows' BITS, and the job is what
         * the server declared. So https runs draw the other lie. */
        if (tls)
            snprintf(out, cap, "lie-length=+%u:%u", 1 + below(r, 5000), k);
        else
            snprintf(out, cap, "lie-length=-%u:%u", 1 + below(r, (unsigned)(size < 5000 ? size : 5000)), k);
        break;
    case 11: snprintf(out, cap, "change:%u", k); break;
    case 12: snprintf(out, cap, "no-length=chunked"); break;
    case 13: snprintf(out, cap, "no-length=close"); break;
    case 14: snprintf(out, cap, "redirect=%u", 1 + below(r, 4)); break;
    case 15: snprintf(out, cap, "redirect-loop"); break;
    case 16: {
        static const char *const kinds[] = {"binary", "status", "nocolon", "huge", "nul", "dup-length"};
        snprintf(out, cap, "garbage-headers=%s:%u", kinds[below(r, 6)], k);
        break;
    }
    case 17: snprintf(out, cap, "slow=%u:1", 1000000 + below(r, 4000000)); break;
    /* To the other scheme: http to https is followed; https to http is
     * refused by BITS's default redirect policy. */
    case 18: snprintf(out, cap, tls ? "redirect-to-http" : "redirect-to-https"); break;
    default: snprintf(out, cap, "delay=%u:%u", below(r, 2000), k); break;
    }
}

/* A code the documentation gives for a download that cannot go on. */
static BOOL documented(HRESULT hr)
{
    ULONG v = (ULONG)hr, code = HRESULT_CODE(hr);

    if ((v & 0xFFFF0000u) == 0x80200000u || (v & 0xFFFF0000u) == 0x80190000u)
        return TRUE; /* BG_E_*, BG_E_HTTP_ERROR_nnn */
    if (HRESULT_FACILITY(hr) == FACILITY_WIN32 && code >= 12000 && code <= 12200)
        return TRUE; /* WinHTTP */
    if (HRESULT_FACILITY(hr) == FACILITY_WIN32 && code >= 300 && code < 400)
        return TRUE; /* a redirect the policy refuses */
    return FALSE;
}

/* How a run ended, for the table by fault kind. */
enum { OUT_TRANSFERRED, OUT_ERROR, OUT_CANCELLED, OUT_KINDS };

typedef struct run_result {
    char what[256];
    int outcome;
} run_result;

/* Runs by fault kind (a run with two faults counts in both rows), family
 * and http/https, and how they ended; printed as a table before the last
 * line. */
#define MAX_KINDS 64
static struct {
    char name[40];
    unsigned runs, out[OUT_KINDS], broken;
} kinds[MAX_KINDS];
static unsigned kind_count;

static void count_kind(const char *name, const run_result *r)
{
    unsigned i;

    for (i = 0; i < kind_count && strcmp(kinds[i].name, name); i++)
        ;
    if (i == kind_count) {
        if (kind_count == MAX_KINDS)
            return;
        snprintf(kinds[kind_count++].name, sizeof(kinds[0].name), "%s", name);
    }
    kinds[i].runs++;
    kinds[i].out[r->outcome]++;
    if (r->what[0])
        kinds[i].broken++;
}

/* A fault's kind: its spec up to the first ':' or ',', numbers as N
 * (status codes kept: "status=503"). */
static void fault_kind(const char *fault, char *out, size_t cap)
{
    size_t n = 0;
    BOOL keep = !strncmp(fault, "status=", 7);

    for (; *fault && *fault != ':' && *fault != ',' && n + 2 < cap; fault++) {
        if (!keep && *fault >= '0' && *fault <= '9') {
            if (!n || out[n - 1] != 'N')
                out[n++] = 'N';
            continue;
        }
        out[n++] = *fault;
    }
    out[n] = 0;
}

static void print_kinds(void)
{
    static const char *const names[OUT_KINDS] = {"transferred", "error", "cancelled"};
    unsigned i, j;

    printf("| runs by | runs | %s | %s | %s | broken |\n", names[0], names[1], names[2]);
    printf("|---|---:|---:|---:|---:|---:|\n");
    for (i = 0; i < kind_count; i++) {
        printf("| %s | %u", kinds[i].name, kinds[i].runs);
        for (j = 0; j < OUT_KINDS; j++)
            printf(" | %u", kinds[i].out[j]);
        printf(" | %u |\n", kinds[i].broken);
    }
}

static void broke(run_result *r, const char *fmt, ...)
{
    va_list ap;

    if (r->what[0])
        return; /* the first thing that broke */
    va_start(ap, fmt);
    vsnprintf(r->what, sizeof(r->what), fmt, ap);
    va_end(ap);
}

/* Why the last same_or_changed call said no. */
static char differs[128];

/* TRUE if local is src, or src with every byte inverted (`change`). The
 * final file is opened sharing delete: a rename that just put it there may
 * still hold its handle (with DELETE access) for a moment; a handle open
 * for writing still makes the open fail. */
static BOOL same_or_changed(const WCHAR *local, const WCHAR *src)
{
    HANDLE a = CreateFileW(local, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    DWORD a_err = GetLastError();
    HANDLE b = CreateFileW(src, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    static BYTE x[65536], y[65536];
    BOOL same = TRUE, inverted = TRUE;
    DWORD gx, gy, i;
    UINT64 at = 0;

    if (a == INVALID_HANDLE_VALUE || b == INVALID_HANDLE_VALUE) {
        snprintf(differs, sizeof(differs), "cannot open the %s file: error %lu",
                 a == INVALID_HANDLE_VALUE ? "final" : "served",
                 (unsigned long)(a == INVALID_HANDLE_VALUE ? a_err : GetLastError()));
        if (a != INVALID_HANDLE_VALUE)
            CloseHandle(a);
        if (b != INVALID_HANDLE_VALUE)
            CloseHandle(b);
        return FALSE;
    }
    for (;;) {
        if (!ReadFile(a, x, sizeof(x), &gx, NULL) || !ReadFile(b, y, sizeof(y), &gy, NULL) || gx != gy) {
            snprintf(differs, sizeof(differs), "lengths differ after %llu bytes", (unsigned long long)at);
            same = inverted = FALSE;
            break;
        }
        if (!gx)
            break;
        for (i = 0; i < gx && (same || inverted); i++) {
            same &= x[i] == y[i];
            inverted &= (unsigned)x[i] + y[i] == 255u;
        }
        if (!same && !inverted) {
            snprintf(differs, sizeof(differs), "bytes differ at %llu", (unsigned long long)(at + i - 1));
            break;
        }
        at += gx;
    }
    CloseHandle(a);
    CloseHandle(b);
    return same || inverted;
}

/* Progress may go back only through a restart: a response with the whole
 * file (200; to a request with or without a Range) after the ones seen
 * before (*seen). Between two samples the restart's 0 may have gone by
 * unseen, so the server's record of the token says whether one happened. */
static BOOL restarted(const char *token, int *seen)
{
    char *json = ht_stats(token);
    int whole = ht_count(json, "\"status\": 200");

    free(json);
    if (whole <= *seen)
        return FALSE;
    *seen = whole;
    return TRUE;
}

/* A BITS job through the scenario. */
static void drive_bits(const WCHAR *url, const WCHAR *local, const WCHAR *src, const WCHAR *dir, const char *token,
                       unsigned action, unsigned act_at_ms, run_result *r)
{
    run_result res = {"", OUT_ERROR};
    IBackgroundCopyJob *job;
    unsigned retries = 0;
    UINT64 last = 0;
    ULONGLONG start, deadline;
    BOOL acted = FALSE, cancelled = FALSE;
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    int whole_gets = 1;

    job = ht_start(mgr, url, local);
    start = tu_ms();
    deadline = start + RUN_BOUND_MS;
    for (;;) {
        BG_JOB_PROGRESS p;

        if (FAILED(IBackgroundCopyJob_GetProgress(job, &p))) {
            broke(&res, "GetProgress failed");
            break;
        }
        if (p.BytesTotal != BG_SIZE_UNKNOWN && p.BytesTransferred > p.BytesTotal)
            broke(&res, "BytesTransferred %llu > BytesTotal %llu", (unsigned long long)p.BytesTransferred,
                  (unsigned long long)p.BytesTotal);
        if (p.BytesTransferred < last && p.BytesTransferred != 0 && !restarted(token, &whole_gets))
            broke(&res, "progress went back from %llu to %llu with no restart from byte 0",
                  (unsigned long long)last, (unsigned long long)p.BytesTransferred);
        last = p.BytesTransferred;
        if (tu_exists(local))
            broke(&res, "a file at the final name before Complete");

        state = tu_state(job);
        if (!acted && action && tu_ms() - start >= act_at_ms) {
            acted = TRUE;
            if (action == 2) {
                if (FAILED(IBackgroundCopyJob_Cancel(job)))
                    broke(&res, "Cancel failed");
                cancelled = TRUE;
                break;
            }
            if (state != BG_JOB_STATE_TRANSFERRED && state != BG_JOB_STATE_ERROR) {
                IBackgroundCopyJob_Suspend(job);
                IBackgroundCopyJob_Resume(job);
            }
        }
        if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR)
            break;
        if (state == BG_JOB_STATE_TRANSIENT_ERROR) {
            if (++retries > MAX_RETRIES)
                break;
            IBackgroundCopyJob_Resume(job);
        }
        if (tu_ms() >= deadline) {
            broke(&res, "not settled after %u s (state %s)", RUN_BOUND_MS / 1000, tu_state_name(state));
            break;
        }
        Sleep(2);
    }

    if (!cancelled) {
        state = tu_state(job);
        if (state == BG_JOB_STATE_TRANSFERRED) {
            HRESULT hr = IBackgroundCopyJob_Complete(job);
            if (hr != S_OK)
                broke(&res, "Complete returned 0x%08lx", (unsigned long)hr);
            else if (!same_or_changed(local, src))
                broke(&res, "the final file is not the served file (%s)", differs);
        } else if (state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR) {
            HRESULT hr = S_OK;
            BG_ERROR_CONTEXT context = 0;
            IBackgroundCopyError *error = NULL;

            if (FAILED(IBackgroundCopyJob_GetError(job, &error)) ||
                FAILED(IBackgroundCopyError_GetError(error, &context, &hr)))
                broke(&res, "no error in state %s", tu_state_name(state));
            else if (!documented(hr) || context < BG_ERROR_CONTEXT_NONE || context > BG_ERROR_CONTEXT_REMOTE_APPLICATION ||
                     context == BG_ERROR_CONTEXT_NONE)
                broke(&res, "%s with 0x%08lx context %d", tu_state_name(state), (unsigned long)hr, (int)context);
            if (error)
                IBackgroundCopyError_Release(error);
            if (FAILED(IBackgroundCopyJob_Cancel(job)))
                broke(&res, "Cancel failed");
        } else {
            IBackgroundCopyJob_Cancel(job);
        }
    }
    if (cancelled || state != BG_JOB_STATE_TRANSFERRED) {
        if (tu_exists(local))
            broke(&res, "a file at the final name after Cancel");
    }
    if (tu_count_temp_files(dir))
        broke(&res, "%d temp file(s) left", tu_count_temp_files(dir));
    IBackgroundCopyJob_Release(job);
    res.outcome = cancelled ? OUT_CANCELLED : state == BG_JOB_STATE_TRANSFERRED ? OUT_TRANSFERRED : OUT_ERROR;
    *r = res;
}

/* A Delivery Optimization download through the scenario: errors show as
 * Paused with an Error, Start retries; Finalize puts the file in place,
 * Abort drops it. */
static void drive_do(const WCHAR *url, const WCHAR *local, const WCHAR *src, const WCHAR *dir, const char *token,
                     unsigned action, unsigned act_at_ms, run_result *res)
{
    IDODownload *d = NULL;
    DO_DOWNLOAD_STATUS st;
    unsigned retries = 0;
    UINT64 last = 0;
    ULONGLONG start, deadline;
    BOOL acted = FALSE, aborted = FALSE;
    int whole_gets = 1;

    assert_hr(S_OK, IDOManager_CreateDownload(do_mgr, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    if (FAILED(IDODownload_Start(d, NULL)))
        broke(res, "Start failed");
    start = tu_ms();
    deadline = start + RUN_BOUND_MS;
    for (;;) {
        if (FAILED(IDODownload_GetStatus(d, &st))) {
            broke(res, "GetStatus failed");
            break;
        }
        /* DO's status reads an unknown size as 0 (dodownload.c) */
        if (st.BytesTotal && st.BytesTotal != DO_UNKNOWN_FILE_SIZE && st.BytesTransferred > st.BytesTotal)
            broke(res, "BytesTransferred %llu > BytesTotal %llu", (unsigned long long)st.BytesTransferred,
                  (unsigned long long)st.BytesTotal);
        if (st.BytesTransferred < last && st.BytesTransferred != 0 && !restarted(token, &whole_gets))
            broke(res, "progress went back from %llu to %llu with no restart from byte 0",
                  (unsigned long long)last, (unsigned long long)st.BytesTransferred);
        last = st.BytesTransferred;
        if (tu_exists(local))
            broke(res, "a file at the final name before Finalize");
        if (!acted && action && tu_ms() - start >= act_at_ms) {
            acted = TRUE;
            if (action == 2) {
                if (FAILED(IDODownload_Abort(d)))
                    broke(res, "Abort failed");
                aborted = TRUE;
                break;
            }
            if (st.State == DODownloadState_Transferring) {
                IDODownload_Pause(d);
                IDODownload_Start(d, NULL);
            }
        }
        if (st.State == DODownloadState_Transferred)
            break;
        if (st.State == DODownloadState_Paused && FAILED(st.Error)) {
            if (++retries > MAX_RETRIES)
                break;
            IDODownload_Start(d, NULL);
        }
        if (tu_ms() >= deadline) {
            broke(res, "not settled after %u s (state %d)", RUN_BOUND_MS / 1000, (int)st.State);
            break;
        }
        Sleep(2);
    }
    if (!aborted) {
        if (st.State == DODownloadState_Transferred) {
            HRESULT hr = IDODownload_Finalize(d);
            if (hr != S_OK)
                broke(res, "Finalize returned 0x%08lx", (unsigned long)hr);
            else if (!same_or_changed(local, src))
                broke(res, "the final file is not the served file (%s)", differs);
        } else {
            if (FAILED(st.Error) && !documented(st.Error) && ((ULONG)st.Error & 0xFFFF0000u) != 0x80D00000u)
                broke(res, "state %d with 0x%08lx", (int)st.State, (unsigned long)st.Error);
            if (FAILED(IDODownload_Abort(d)))
                broke(res, "Abort failed");
            aborted = TRUE;
        }
    }
    IDODownload_Release(d);
    res->outcome = acted && action == 2                        ? OUT_CANCELLED
                   : st.State == DODownloadState_Transferred ? OUT_TRANSFERRED
                                                             : OUT_ERROR;
    if (aborted && tu_exists(local))
        broke(res, "a file at the final name after Abort");
    if (tu_count_temp_files(dir))
        broke(res, "%d temp file(s) left", tu_count_temp_files(dir));
}

/* win32 of IBackgroundCopyJob1::GetStatus back as the HRESULT it stands
 * for: a Win32 code, or the HRESULT itself when it was not one. */
static HRESULT qm_hresult(DWORD win32)
{
    return win32 <= 0xFFFF ? HRESULT_FROM_WIN32(win32) : (HRESULT)win32;
}

/* A BITS 1.0 group through the scenario: one job of one file. The group
 * completes on its own (the file is renamed into place at COMPLETE); an
 * error suspends it (GROUP_ERROR); ResumeGroup retries. A transient error
 * shows to a BITS 1.0 client only as an incomplete group that waits for its
 * retry delay, so the soak looks through the group's modern view
 * (QueryNewJobInterface) to see it and calls ResumeGroup, as it calls
 * Resume for a BITS job. Suspend-resume is SuspendGroup then ResumeGroup;
 * cancel is CancelGroup, which keeps a file that was completely downloaded
 * (documented): then that file must be the served one. Progress is
 * QM_PROGRESS_SIZE_DONE, a DWORD (the soak's files are under 4 GB). */
static void drive_qm(const WCHAR *url, const WCHAR *local, const WCHAR *src, const WCHAR *dir, const char *token,
                     unsigned action, unsigned act_at_ms, run_result *res)
{
    IBackgroundCopyGroup *group = NULL;
    IBackgroundCopyJob1 *job = NULL;
    IBackgroundCopyJob *modern = NULL;
    IUnknown *unk = NULL;
    FILESETINFO info, *infos[1] = {&info};
    DWORD status = 0, index, last = 0, value, win32 = 0, transport, retried;
    unsigned retries = 0;
    ULONGLONG start, deadline;
    BOOL acted = FALSE, cancelled = FALSE;
    int whole_gets = 1;
    GUID gid, jid;

    assert_hr(S_OK, CoCreateGuid(&gid));
    assert_hr(S_OK, CoCreateGuid(&jid));
    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(qmgr, gid, &group));
    assert_hr(S_OK, IBackgroundCopyGroup_CreateJob(group, jid, &job));
    info.bstrRemoteFile = SysAllocString(url);
    info.bstrLocalFile = SysAllocString(local);
    info.dwSizeHint = 0;
    assert_hr(S_OK, IBackgroundCopyJob1_AddFiles(job, 1, infos));
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    assert_hr(S_OK, IBackgroundCopyGroup_QueryNewJobInterface(group, &IID_IBackgroundCopyJob, &unk));
    modern = tu_qi(unk, &IID_IBackgroundCopyJob);
    IUnknown_Release(unk);
    if (FAILED(IBackgroundCopyGroup_ResumeGroup(group)))
        broke(res, "ResumeGroup failed");
    start = tu_ms();
    deadline = start + RUN_BOUND_MS;
    for (;;) {
        /* Read before the status: COMPLETE is final, so 100% read before a
         * status that is not COMPLETE came too early. */
        BOOL exists = tu_exists(local);
        DWORD percent = 0;

        if (FAILED(IBackgroundCopyGroup_GetProgress(group, QM_PROGRESS_PERCENT_DONE, &percent)) ||
            FAILED(IBackgroundCopyGroup_GetProgress(group, QM_PROGRESS_SIZE_DONE, &value)) ||
            FAILED(IBackgroundCopyGroup_GetStatus(group, &status, &index))) {
            broke(res, "GetProgress or GetStatus failed");
            break;
        }
        if (value < last && value != 0 && !restarted(token, &whole_gets))
            broke(res, "progress went back from %lu to %lu with no restart from byte 0", (unsigned long)last,
                  (unsigned long)value);
        last = value;
        if (percent > 100 || (percent == 100 && !(status & QM_STATUS_GROUP_COMPLETE)))
            broke(res, "percent done %lu with status 0x%lx", (unsigned long)percent, (unsigned long)status);
        /* The group renames its files, then reports COMPLETE: in between a
         * file may be at its final name, but only whole. */
        if (exists && !(status & QM_STATUS_GROUP_COMPLETE) && !same_or_changed(local, src))
            broke(res, "a wrong file at the final name before the group completed (%s)", differs);
        if (!acted && action && tu_ms() - start >= act_at_ms) {
            acted = TRUE;
            if (action == 2) {
                if (FAILED(IBackgroundCopyGroup_CancelGroup(group)))
                    broke(res, "CancelGroup failed");
                cancelled = TRUE;
                break;
            }
            if (!(status & (QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_ERROR | QM_STATUS_GROUP_SUSPENDED))) {
                IBackgroundCopyGroup_SuspendGroup(group);
                IBackgroundCopyGroup_ResumeGroup(group);
            }
        }
        if (status & (QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_ERROR))
            break;
        if (tu_state(modern) == BG_JOB_STATE_TRANSIENT_ERROR) {
            if (++retries > MAX_RETRIES)
                break;
            IBackgroundCopyGroup_ResumeGroup(group);
        }
        if (tu_ms() >= deadline) {
            broke(res, "not settled after %u s (status 0x%lx)", RUN_BOUND_MS / 1000, (unsigned long)status);
            break;
        }
        Sleep(2);
    }

    if (!cancelled) {
        if (status & QM_STATUS_GROUP_COMPLETE) {
            if (!same_or_changed(local, src))
                broke(res, "the final file is not the served file (%s)", differs);
        } else {
            if (status & QM_STATUS_GROUP_ERROR) {
                if (FAILED(IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retried)) ||
                    status != QM_STATUS_JOB_ERROR || !documented(qm_hresult(win32)))
                    broke(res, "group in error: job status 0x%lx, win32 0x%08lx", (unsigned long)status,
                          (unsigned long)win32);
            }
            if (FAILED(IBackgroundCopyGroup_CancelGroup(group)))
                broke(res, "CancelGroup failed");
            cancelled = TRUE;
        }
    }
    /* CancelGroup keeps only a file that was completely downloaded. */
    if (cancelled && tu_exists(local) && !same_or_changed(local, src))
        broke(res, "a wrong file at the final name after CancelGroup (%s)", differs);
    if (tu_count_temp_files(dir))
        broke(res, "%d temp file(s) left", tu_count_temp_files(dir));
    IBackgroundCopyJob_Release(modern);
    IBackgroundCopyJob1_Release(job);
    IBackgroundCopyGroup_Release(group);
    res->outcome = acted && action == 2 ? OUT_CANCELLED
                   : (status & QM_STATUS_GROUP_COMPLETE) ? OUT_TRANSFERRED
                                                         : OUT_ERROR;
}

static void one_run(unsigned run)
{
    UINT64 r = ((UINT64)seed << 32) ^ run, size;
    char spec[256], f1[96], f2[96], token[64], name[64];
    WCHAR wname[64], src[MAX_PATH], url[1024], dir[MAX_PATH], local[MAX_PATH];
    const char *action_names[3] = {"none", "suspend-resume", "cancel"};
    const char *family_names[3] = {"BITS job", "DO download", "BITS 1.0 group"};
    unsigned action, act_at_ms, family;
    BOOL tls;
    run_result res = {"", OUT_ERROR};

    next_random(&r);
    size = 1 + (next_random(&r) % (3u << 20));
    tls = below(&r, 4) == 0;
    draw_fault(&r, size, tls, f1, sizeof(f1));
    f2[0] = 0;
    if (below(&r, 3) == 0)
        draw_fault(&r, size, tls, f2, sizeof(f2));
    action = below(&r, 6) < 4 ? 0 : 1 + below(&r, 2);
    act_at_ms = below(&r, 1500);
    family = below(&r, 3);

    /* A body longer than its Content-Length cannot be seen through WinHTTP
     * (see draw_fault): not when a redirect takes the run to https either. */
    if (strstr(f1, "redirect-to-https") || strstr(f2, "redirect-to-https")) {
        char *lie;
        if ((lie = strstr(f1, "lie-length=-")) || (lie = strstr(f2, "lie-length=-")))
            lie[11] = '+';
    }
    ht_token(token, sizeof(token), "soak");
    snprintf(spec, sizeof(spec), "id=%s,%s%s%s", token, f1, f2[0] ? "," : "", f2);
    snprintf(name, sizeof(name), "soak-%u-%u.bin", seed, run);
    MultiByteToWideChar(CP_ACP, 0, name, -1, wname, ARRAYSIZE(wname));
    ht_make(src, ARRAYSIZE(src), wname, size, (DWORD)(seed * 7919u + run));
    if (tls)
        swprintf(url, ARRAYSIZE(url), L"https://localhost:%u/fault/%hs/%ls", ht.fault_https, spec, wname);
    else
        swprintf(url, ARRAYSIZE(url), L"http://127.0.0.1:%u/fault/%hs/%ls", ht.fault_http, spec, wname);
    tu_path(dir, ARRAYSIZE(dir), L"soak%u", run);
    tu_mkdirs(dir);
    swprintf(local, ARRAYSIZE(local), L"%ls\\%ls", dir, wname);
    DeleteFileW(local);

    if (family == 0)
        drive_bits(url, local, src, dir, token, action, act_at_ms, &res);
    else if (family == 1)
        drive_do(url, local, src, dir, token, action, act_at_ms, &res);
    else
        drive_qm(url, local, src, dir, token, action, act_at_ms, &res);

    if (res.what[0]) {
        failed++;
        printf("BROKEN seed %u run %u: %s over %s, faults %s%s%s, size %llu, action %s at %u ms: %s\n", seed, run,
               family_names[family], tls ? "https" : "http", f1, f2[0] ? "," : "", f2, (unsigned long long)size, action_names[action],
               act_at_ms, res.what);
    } else {
        passed++;
    }
    {
        char kind[40];

        count_kind(family_names[family], &res);
        count_kind(tls ? "https" : "http", &res);
        fault_kind(f1, kind, sizeof(kind));
        count_kind(kind, &res);
        if (f2[0]) {
            fault_kind(f2, kind, sizeof(kind));
            count_kind(kind, &res);
        }
    }
    DeleteFileW(local);
    RemoveDirectoryW(dir);
    DeleteFileW(src);
}

static void test_soak(void **state)
{
    unsigned run;

    (void)state;
    for (run = 0; run < runs; run++)
        one_run(run);
    print_kinds();
    printf("%u passed, %u failed\n", passed, failed);
    assert_int_equal(failed, 0);
}

static int group_setup(void **state)
{
    if (!ht_init() || tu_group_setup(state))
        return -1;
    mgr = tu_manager();
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&do_mgr));
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateQMgr, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyQMgr,
                                     (void **)&qmgr));
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyQMgr_Release(qmgr);
    IDOManager_Release(do_mgr);
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak),
    };

    if (getenv("BITSDO_SOAK_RUNS"))
        runs = (unsigned)strtoul(getenv("BITSDO_SOAK_RUNS"), NULL, 10);
    if (getenv("BITSDO_SOAK_SEED"))
        seed = (unsigned)strtoul(getenv("BITSDO_SOAK_SEED"), NULL, 10);
    if (argc > 1)
        runs = (unsigned)strtoul(argv[1], NULL, 10);
    if (argc > 2)
        seed = (unsigned)strtoul(argv[2], NULL, 10);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
