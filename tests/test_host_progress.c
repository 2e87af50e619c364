/* Progress across processes without a round trip (docs/hosting.md,
 * section 5): a job the per-user host runs reaches this process as our
 * client object (CLSID_BitsdoJobClient), whose GetProgress/GetState read the
 * host's progress mapping. What it reads agrees with what the host itself
 * answers and with what another process reads, never goes backwards during
 * a real transfer, turns into an RPC error soon after the host dies, and
 * still works on an STA thread the object was marshaled to. It also prints
 * the median cost of GetProgress here and through a plain proxy.
 *
 * The test program is its own second process: run with "child ..." it does
 * one step and reports through its exit code.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"
#include "host_util.h"
#include "hostinfo.h"

#include <shellapi.h>
#include <stdlib.h>

#define CHILD_WAIT_MS 120000
#define SMALL_SIZE    (256u * 1024u)
#define BIG_SIZE      (200ull * 1024u * 1024u)
#define FAST_CALLS    1000000u
#define FAST_BATCH    1000u
#define PROXY_CALLS   2000u
#define PROXY_BATCH   10u

static WCHAR self_path[MAX_PATH];

static IBackgroundCopyManager *public_manager(void)
{
    IBackgroundCopyManager *mgr = NULL;

    assert_hr(
        S_OK,
        CoCreateInstance(
            &CLSID_BitsdoManager, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyManager, (void **)&mgr));
    assert_non_null(mgr);
    return mgr;
}

/* The vtable of this interface pointer lives in bitsdo.dll: it is our
 * client object, not a COM proxy. */
static BOOL vtable_in_bitsdo(void *iface)
{
    HMODULE module = NULL;
    WCHAR path[MAX_PATH];
    DWORD len;

    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            (LPCWSTR) * (void **)iface,
                            &module))
        return FALSE;
    len = GetModuleFileNameW(module, path, ARRAYSIZE(path));
    return len > 10 && !_wcsicmp(path + len - 10, L"bitsdo.dll");
}

static BOOL is_client_object(void *iface)
{
    IMarshal *marshal = NULL;
    CLSID clsid = {0};
    HRESULT hr;

    if (FAILED(IUnknown_QueryInterface((IUnknown *)iface, &IID_IMarshal, (void **)&marshal)))
        return FALSE;
    hr = IMarshal_GetUnmarshalClass(
        marshal, &IID_IBackgroundCopyJob, iface, MSHCTX_INPROC, NULL, MSHLFLAGS_NORMAL, &clsid);
    IMarshal_Release(marshal);
    return hr == S_OK && IsEqualCLSID(&clsid, &CLSID_BitsdoJobClient) && vtable_in_bitsdo(iface);
}

/* The same job as a plain COM proxy: the client-side seam
 * BITSDO_NO_CUSTOM_MARSHAL=1 makes unmarshaling hand out the proxy. */
static IBackgroundCopyJob *plain_proxy(IBackgroundCopyManager *mgr, const GUID *id)
{
    IBackgroundCopyJob *job = NULL;

    SetEnvironmentVariableW(L"BITSDO_NO_CUSTOM_MARSHAL", L"1");
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(mgr, id, &job));
    SetEnvironmentVariableW(L"BITSDO_NO_CUSTOM_MARSHAL", NULL);
    assert_non_null(job);
    /* A standard proxy (its code may be bitsdo.dll's proxies too). */
    assert_false(is_client_object(job));
    return job;
}

static DWORD run_child(const WCHAR *args)
{
    return hu_run(self_path, args);
}

static void stop_host(void)
{
    hu_stop_host();
}

static HANDLE host_process(void)
{
    return hu_host_process(NULL);
}

static void assert_same_progress(const BG_JOB_PROGRESS *a, const BG_JOB_PROGRESS *b)
{
    assert_true(a->BytesTotal == b->BytesTotal);
    assert_true(a->BytesTransferred == b->BytesTransferred);
    assert_int_equal(a->FilesTotal, b->FilesTotal);
    assert_int_equal(a->FilesTransferred, b->FilesTransferred);
}

/* What this process's client object, the host (through a plain proxy) and
 * (while the job is in the list, where GetJob finds it) another process
 * all say about the job now: the same. */
static void check_agreement(IBackgroundCopyJob *job, IBackgroundCopyJob *proxy, const GUID *id)
{
    BG_JOB_PROGRESS fast, slow;
    BG_JOB_STATE fast_state, slow_state;
    WCHAR guid[40], args[256];

    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &fast));
    assert_hr(S_OK, IBackgroundCopyJob_GetState(job, &fast_state));
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(proxy, &slow));
    assert_hr(S_OK, IBackgroundCopyJob_GetState(proxy, &slow_state));
    assert_same_progress(&fast, &slow);
    assert_int_equal(fast_state, slow_state);
    if (fast_state == BG_JOB_STATE_CANCELLED || fast_state == BG_JOB_STATE_ACKNOWLEDGED)
        return;

    StringFromGUID2(id, guid, ARRAYSIZE(guid));
    swprintf(args,
             ARRAYSIZE(args),
             L"child check %ls %I64u %I64u %lu %lu %d",
             guid,
             fast.BytesTotal,
             fast.BytesTransferred,
             fast.FilesTotal,
             fast.FilesTransferred,
             (int)fast_state);
    assert_int_equal(0, run_child(args));
}

/* --- the child's step ------------------------------------------------------- */

/* "child check {GUID} total transferred files files_done state": finds the
 * job, checks it is a client object and reads what the parent read. */
static int child_check(int argc, WCHAR **argv)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    BG_JOB_PROGRESS p;
    BG_JOB_STATE state;
    GUID id;
    HRESULT hr;
    int rc = 0;

    if (argc < 9)
        return 2;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(CLSIDFromString(argv[3], &id)))
        rc = 3;
    else if (FAILED(CoCreateInstance(&CLSID_BitsdoManager,
                                     NULL,
                                     CLSCTX_INPROC_SERVER,
                                     &IID_IBackgroundCopyManager,
                                     (void **)&mgr)))
        rc = 4;
    else if (FAILED(hr = IBackgroundCopyManager_GetJob(mgr, &id, &job))) {
        fprintf(stderr, "child: GetJob %ls: 0x%08lx\n", argv[3], hr);
        rc = 5;
    } else if (!is_client_object(job))
        rc = 6;
    else if (FAILED(IBackgroundCopyJob_GetProgress(job, &p)) ||
             FAILED(IBackgroundCopyJob_GetState(job, &state)))
        rc = 7;
    else if (p.BytesTotal != _wcstoui64(argv[4], NULL, 10) ||
             p.BytesTransferred != _wcstoui64(argv[5], NULL, 10) ||
             p.FilesTotal != wcstoul(argv[6], NULL, 10) || p.FilesTransferred != wcstoul(argv[7], NULL, 10))
        rc = 8;
    else if ((int)state != _wtoi(argv[8]))
        rc = 9;
    if (job)
        IBackgroundCopyJob_Release(job);
    if (mgr)
        IBackgroundCopyManager_Release(mgr);
    CoUninitialize();
    return rc;
}

/* --- tests ------------------------------------------------------------------ */

/* A job made through the public class is our client object: IMarshal names
 * CLSID_BitsdoJobClient, the vtable is bitsdo.dll's, and IUnknown is one
 * identity whichever interface it is asked from. */
static void test_job_is_client_object(void **state)
{
    IBackgroundCopyManager *mgr = public_manager();
    IBackgroundCopyJob *job;
    IBackgroundCopyJob2 *job2;
    IUnknown *unk1, *unk2;

    (void)state;
    job = tu_create_job(mgr, L"client object", NULL);
    assert_true(is_client_object(job));
    job2 = tu_qi(job, &IID_IBackgroundCopyJob2);
    assert_true(vtable_in_bitsdo(job2));
    unk1 = tu_qi(job, &IID_IUnknown);
    unk2 = tu_qi(job2, &IID_IUnknown);
    assert_ptr_equal(unk1, unk2);
    /* a method that is forwarded to the host works too */
    assert_hr(S_OK, IBackgroundCopyJob2_SetDescription(job2, L"through the proxy"));
    IUnknown_Release(unk2);
    IUnknown_Release(unk1);
    IBackgroundCopyJob2_Release(job2);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    assert_int_equal(BG_JOB_STATE_CANCELLED, tu_state(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

/* Suspended with an unknown size, transferred, cancelled: the mapping says
 * what the host says, here and in another process. */
static void test_progress_agrees_everywhere(void **state)
{
    IBackgroundCopyManager *mgr = public_manager();
    IBackgroundCopyJob *job, *proxy;
    WCHAR src[MAX_PATH], dst[MAX_PATH];
    BG_JOB_PROGRESS p;
    GUID id;

    (void)state;
    tu_path(src, MAX_PATH, L"agree-src.bin");
    tu_path(dst, MAX_PATH, L"agree-dst.bin");
    tu_make_file(src, SMALL_SIZE, 21);
    DeleteFileW(dst);
    job = tu_create_job(mgr, L"agreement", &id);
    proxy = plain_proxy(mgr, &id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, dst));
    check_agreement(job, proxy, &id);

    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, 60000));
    p = tu_progress(job);
    assert_true(p.BytesTotal == SMALL_SIZE && p.BytesTransferred == SMALL_SIZE);
    assert_int_equal(1, p.FilesTransferred);
    check_agreement(job, proxy, &id);

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    assert_int_equal(BG_JOB_STATE_CANCELLED, tu_state(job));
    check_agreement(job, proxy, &id);
    IBackgroundCopyJob_Release(proxy);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    DeleteFileW(src);
}

/* During a real 200 MB transfer, GetProgress read from the mapping never
 * goes backwards, never shows more bytes than the total, and shows the
 * transfer under way (not only its start and end). */
static void test_progress_monotonic_during_transfer(void **state)
{
    IBackgroundCopyManager *mgr = public_manager();
    IBackgroundCopyJob *job;
    WCHAR src[MAX_PATH], dst[MAX_PATH];
    BG_JOB_PROGRESS p;
    BG_JOB_STATE s = BG_JOB_STATE_QUEUED;
    UINT64 last = 0;
    ULONG distinct = 0, reads = 0;
    ULONGLONG deadline;

    (void)state;
    tu_path(src, MAX_PATH, L"big-src.bin");
    tu_path(dst, MAX_PATH, L"big-dst.bin");
    tu_make_file(src, BIG_SIZE, 5);
    DeleteFileW(dst);
    job = tu_create_job(mgr, L"big", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, dst));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    deadline = tu_ms() + 300000;
    do {
        assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &p));
        assert_hr(S_OK, IBackgroundCopyJob_GetState(job, &s));
        reads++;
        if (p.BytesTotal != BG_SIZE_UNKNOWN)
            assert_true(p.BytesTransferred <= p.BytesTotal);
        assert_true(p.BytesTransferred >= last);
        if (p.BytesTransferred != last)
            distinct++;
        last = p.BytesTransferred;
    } while (s != BG_JOB_STATE_TRANSFERRED && s != BG_JOB_STATE_ERROR && tu_ms() < deadline);
    assert_int_equal(BG_JOB_STATE_TRANSFERRED, s);
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &p));
    assert_true(p.BytesTotal == BIG_SIZE && p.BytesTransferred == BIG_SIZE);
    print_message("200 MB: %lu reads, %lu distinct byte counts seen\n", reads, distinct);
    assert_true(distinct >= 3);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    DeleteFileW(src);
    DeleteFileW(dst);
}

struct sta_args {
    IStream *stream;
    BG_JOB_PROGRESS expected;
    HRESULT unmarshal_hr, progress_hr, state_hr;
    BOOL client, same;
    BG_JOB_STATE state;
};

static DWORD WINAPI sta_thread(void *arg)
{
    struct sta_args *a = arg;
    IBackgroundCopyJob *job = NULL;
    BG_JOB_PROGRESS p;

    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    a->unmarshal_hr = CoGetInterfaceAndReleaseStream(a->stream, &IID_IBackgroundCopyJob, (void **)&job);
    if (SUCCEEDED(a->unmarshal_hr)) {
        a->client = is_client_object(job);
        a->progress_hr = IBackgroundCopyJob_GetProgress(job, &p);
        a->state_hr = IBackgroundCopyJob_GetState(job, &a->state);
        a->same = p.BytesTotal == a->expected.BytesTotal &&
                  p.BytesTransferred == a->expected.BytesTransferred &&
                  p.FilesTotal == a->expected.FilesTotal;
        IBackgroundCopyJob_Release(job);
    }
    CoUninitialize();
    return 0;
}

/* Moved to an STA thread (CoMarshalInterThreadInterfaceInStream), the job
 * is still a client object there and answers from the mapping. */
static void test_client_object_on_sta_thread(void **state)
{
    IBackgroundCopyManager *mgr = public_manager();
    IBackgroundCopyJob *job;
    WCHAR src[MAX_PATH], dst[MAX_PATH];
    struct sta_args a;
    HANDLE thread;

    (void)state;
    tu_path(src, MAX_PATH, L"sta-src.bin");
    tu_path(dst, MAX_PATH, L"sta-dst.bin");
    tu_make_file(src, SMALL_SIZE, 3);
    job = tu_create_job(mgr, L"sta", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, dst));
    memset(&a, 0, sizeof(a));
    a.expected = tu_progress(job);
    assert_hr(S_OK,
              CoMarshalInterThreadInterfaceInStream(&IID_IBackgroundCopyJob, (IUnknown *)job, &a.stream));
    thread = CreateThread(NULL, 0, sta_thread, &a, 0, NULL);
    assert_non_null(thread);
    assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(thread, 60000));
    CloseHandle(thread);
    assert_hr(S_OK, a.unmarshal_hr);
    assert_true(a.client);
    assert_hr(S_OK, a.progress_hr);
    assert_true(a.same);
    assert_hr(S_OK, a.state_hr);
    assert_int_equal(BG_JOB_STATE_SUSPENDED, a.state);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    DeleteFileW(src);
}

/* CoSetProxyBlanket works on the client object (Wine's own proxies answer
 * E_NOTIMPL), and CoQueryProxyBlanket reports what was set. */
static void test_proxy_blanket(void **state)
{
    IBackgroundCopyManager *mgr = public_manager();
    IBackgroundCopyJob *job, *copy = NULL;
    DWORD authn = 0, authz = 1, level = 0, imp = 0, caps = 1;
    OLECHAR *principal = (OLECHAR *)1;

    (void)state;
    job = tu_create_job(mgr, L"blanket", NULL);
    assert_hr(S_OK,
              CoSetProxyBlanket((IUnknown *)job,
                                RPC_C_AUTHN_DEFAULT,
                                RPC_C_AUTHZ_DEFAULT,
                                COLE_DEFAULT_PRINCIPAL,
                                RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                                RPC_C_IMP_LEVEL_IMPERSONATE,
                                NULL,
                                EOAC_DEFAULT));
    assert_hr(S_OK,
              CoQueryProxyBlanket((IUnknown *)job, &authn, &authz, &principal, &level, &imp, NULL, &caps));
    assert_int_equal(RPC_C_AUTHN_LEVEL_PKT_PRIVACY, level);
    assert_int_equal(RPC_C_IMP_LEVEL_IMPERSONATE, imp);
    CoTaskMemFree(principal);
    assert_hr(S_OK, CoCopyProxy((IUnknown *)job, (IUnknown **)&copy));
    assert_non_null(copy);
    assert_int_equal(BG_JOB_STATE_SUSPENDED, tu_state(copy));
    IBackgroundCopyJob_Release(copy);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median ns per call of `calls` GetProgress calls, timed in batches. */
static double median_ns(IBackgroundCopyJob *job, unsigned calls, unsigned batch)
{
    unsigned batches = calls / batch, i, j;
    double *per_call = malloc(batches * sizeof(*per_call)), median;
    BG_JOB_PROGRESS p;

    assert_non_null(per_call);
    for (i = 0; i < batches; i++) {
        double t0 = tu_seconds();
        for (j = 0; j < batch; j++)
            assert_true(IBackgroundCopyJob_GetProgress(job, &p) == S_OK);
        per_call[i] = (tu_seconds() - t0) * 1e9 / batch;
    }
    qsort(per_call, batches, sizeof(*per_call), cmp_double);
    median = per_call[batches / 2];
    free(per_call);
    return median;
}

/* The point of it all: GetProgress across processes in well under a
 * microsecond, against a COM round trip through a plain proxy. */
static void test_bench_getprogress(void **state)
{
    IBackgroundCopyManager *mgr = public_manager();
    IBackgroundCopyJob *job, *proxy;
    double fast, slow;
    GUID id;

    (void)state;
    job = tu_create_job(mgr, L"bench", &id);
    proxy = plain_proxy(mgr, &id);
    fast = median_ns(job, FAST_CALLS, FAST_BATCH);
    slow = median_ns(proxy, PROXY_CALLS, PROXY_BATCH);
    print_message("GetProgress across processes, median per call: %.1f ns from the mapping "
                  "(%u calls), %.1f ns through a plain proxy (%u calls)\n",
                  fast,
                  FAST_CALLS,
                  slow,
                  PROXY_CALLS);
    assert_true(fast < 2000.0);
    assert_true(fast * 10 < slow);
    IBackgroundCopyJob_Release(proxy);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

/* Killed hard, the host's figures stop being answered: GetProgress and
 * GetState fail with an RPC error within 3 s, and keep failing. */
static void test_dead_host_gives_rpc_error(void **state)
{
    IBackgroundCopyManager *mgr = public_manager();
    IBackgroundCopyJob *job;
    BG_JOB_PROGRESS p;
    BG_JOB_STATE s;
    ULONGLONG killed, failed_at = 0;
    HRESULT hr = S_OK;

    (void)state;
    job = tu_create_job(mgr, L"orphan", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &p));
    killed = hu_kill_host(host_process()); /* the host's end, not rpcss's */
    while (tu_ms() - killed < 5000) {
        hr = IBackgroundCopyJob_GetProgress(job, &p);
        if (FAILED(hr)) {
            failed_at = tu_ms();
            break;
        }
        Sleep(20); /* polling another process's death; bounded by the loop */
    }
    assert_true(failed_at != 0);
    print_message("GetProgress failed 0x%08lx %llu ms after the kill\n", hr, failed_at - killed);
    assert_true(failed_at - killed <= 3000);
    assert_true(hr == RPC_E_DISCONNECTED || hr == HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE));
    assert_true(FAILED(IBackgroundCopyJob_GetProgress(job, &p)));
    assert_true(FAILED(IBackgroundCopyJob_GetState(job, &s)));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

/* DO downloads: the same client object behind IDODownload, when this
 * build has the proxies to reach the host's IDOManager at all. */
static void test_do_download_status(void **state)
{
    IDOManager *mgr = NULL;
    IDODownload *download = NULL;
    DO_DOWNLOAD_STATUS status;
    HRESULT hr;

    (void)state;
    hr = CoCreateInstance(
        &CLSID_BitsdoDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER, &IID_IDOManager, (void **)&mgr);
    if (SUCCEEDED(hr))
        hr = IDOManager_CreateDownload(mgr, &download);
    if (FAILED(hr)) {
        if (mgr)
            IDOManager_Release(mgr);
        print_message("no IDOManager/IDODownload proxy in this build (0x%08lx): skipped\n", hr);
        skip();
    }
    assert_true(vtable_in_bitsdo(download));
    assert_hr(S_OK, IDODownload_GetStatus(download, &status));
    assert_int_equal(DODownloadState_Created, status.State);
    assert_hr(S_OK, IDODownload_Abort(download));
    assert_hr(S_OK, IDODownload_GetStatus(download, &status));
    assert_int_equal(DODownloadState_Aborted, status.State);
    IDODownload_Release(download);
    IDOManager_Release(mgr);
}

/* Jobs handed out inside an array (IEnumBackgroundCopyJobs::Next, several
 * at once and one at a time) are client objects too, and the count that
 * follows the array on the wire is right: custom data shorter than COM's
 * sizing once put the count in the wrong place (jobref.h). The same for
 * DO downloads through IEnumUnknown. */
static void test_enumerated_jobs_are_client_objects(void **state)
{
    IBackgroundCopyManager *mgr = public_manager();
    IEnumBackgroundCopyJobs *e;
    IBackgroundCopyJob *made[3], *got[4] = {NULL};
    ULONG count = 0, fetched = 0, seen = 0, i, j;
    GUID ids[3], id;

    (void)state;
    for (i = 0; i < 3; i++) {
        made[i] = tu_create_job(mgr, L"enumerated", NULL);
        assert_hr(S_OK, IBackgroundCopyJob_GetId(made[i], &ids[i]));
    }
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &e));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_GetCount(e, &count));
    assert_true(count >= 3);
    /* several at once: exactly min(4, count) come back, all ours */
    assert_hr(count >= 4 ? S_OK : S_FALSE, IEnumBackgroundCopyJobs_Next(e, 4, got, &fetched));
    assert_int_equal(count < 4 ? count : 4, fetched);
    for (i = 0; i < fetched; i++) {
        assert_non_null(got[i]);
        assert_true(is_client_object(got[i]));
        IBackgroundCopyJob_Release(got[i]);
    }
    /* then one at a time from the start, with and without a count */
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Reset(e));
    for (;;) {
        IBackgroundCopyJob *job = NULL;

        fetched = 99;
        if (IEnumBackgroundCopyJobs_Next(e, 1, &job, seen % 2 ? &fetched : NULL) != S_OK)
            break;
        assert_non_null(job);
        if (seen % 2)
            assert_int_equal(1, fetched);
        assert_true(is_client_object(job));
        assert_hr(S_OK, IBackgroundCopyJob_GetId(job, &id));
        for (j = 0; j < 3; j++)
            if (IsEqualGUID(&id, &ids[j]))
                ids[j] = GUID_NULL;
        IBackgroundCopyJob_Release(job);
        seen++;
    }
    assert_int_equal(count, seen);
    for (j = 0; j < 3; j++)
        assert_true(IsEqualGUID(&ids[j], &GUID_NULL));
    IEnumBackgroundCopyJobs_Release(e);
    for (i = 0; i < 3; i++) {
        IBackgroundCopyJob_Cancel(made[i]);
        IBackgroundCopyJob_Release(made[i]);
    }
    IBackgroundCopyManager_Release(mgr);
}

static void test_enumerated_downloads_are_client_objects(void **state)
{
    IDOManager *mgr = NULL;
    IDODownload *made[2] = {NULL}, *download;
    IEnumUnknown *e = NULL;
    IUnknown *got[3] = {NULL};
    ULONG fetched = 0, i;
    HRESULT hr;

    (void)state;
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER, &IID_IDOManager,
                                     (void **)&mgr));
    for (i = 0; i < 2; i++) {
        assert_hr(S_OK, IDOManager_CreateDownload(mgr, &made[i]));
        assert_true(vtable_in_bitsdo(made[i]));
    }
    assert_hr(S_OK, IDOManager_EnumDownloads(mgr, NULL, &e));
    hr = IEnumUnknown_Next(e, 3, got, &fetched);
    assert_true(fetched >= 2); /* ours, and any an earlier test left */
    assert_hr(fetched == 3 ? S_OK : S_FALSE, hr);
    for (i = 0; i < fetched; i++) {
        assert_hr(S_OK, IUnknown_QueryInterface(got[i], &IID_IDODownload, (void **)&download));
        assert_true(vtable_in_bitsdo(download));
        IDODownload_Release(download);
        IUnknown_Release(got[i]);
    }
    IEnumUnknown_Release(e);
    for (i = 0; i < 2; i++) {
        IDODownload_Abort(made[i]);
        IDODownload_Release(made[i]);
    }
    IDOManager_Release(mgr);
}

static int group_teardown(void **state)
{
    stop_host();
    return tu_group_teardown(state);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_is_client_object),
        cmocka_unit_test(test_progress_agrees_everywhere),
        cmocka_unit_test(test_progress_monotonic_during_transfer),
        cmocka_unit_test(test_client_object_on_sta_thread),
        cmocka_unit_test(test_proxy_blanket),
        cmocka_unit_test(test_bench_getprogress),
        cmocka_unit_test(test_do_download_status),
        cmocka_unit_test(test_enumerated_jobs_are_client_objects),
        cmocka_unit_test(test_enumerated_downloads_are_client_objects),
        cmocka_unit_test(test_dead_host_gives_rpc_error),
    };

    GetModuleFileNameW(NULL, self_path, ARRAYSIZE(self_path));
    if (argc >= 2 && !strcmp(argv[1], "child")) {
        int wargc;
        WCHAR **wargv = CommandLineToArgvW(GetCommandLineW(), &wargc);

        if (wargc >= 3 && !wcscmp(wargv[2], L"check"))
            return child_check(wargc, wargv);
        return 1;
    }
    /* A host left by an earlier test goes: this one starts its own. */
    stop_host();
    return cmocka_run_group_tests(tests, tu_group_setup, group_teardown);
}
