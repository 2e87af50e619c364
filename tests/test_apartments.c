/* Callbacks in the client's apartment (issue 9): a client in a
 * single-threaded apartment that pumps messages and quits its loop from
 * inside the callback (PostQuitMessage, as Microsoft's BITS samples do) is
 * called on its own thread, for each callback interface; an MTA client is
 * called and a slow MTA callback does not hold up the job; a client whose
 * STA thread has exited is never called and nothing hangs; an STA that does
 * not pump does not stop the job, and the JobTransferred it missed is
 * retried once it pumps.
 *
 * The bound on one call is BITSDO_CALLBACK_TIMEOUT_MS, set low here.
 *
 * Built twice. test_apartments uses the private classes: the job runs in
 * this process. test_host_apartments (BITSDO_TEST_HOST) uses the public
 * ones: the job runs in the per-user host, so every callback crosses from
 * the host into this process and into the client's apartment here; it also
 * checks that a client process that exits while the host holds its
 * callback neither hangs nor breaks the host (the program runs a copy of
 * itself as that client). The host is stopped first so that the one this
 * test starts has the bound set here in its environment. Wine 8 does not
 * pass on the host's last release of a listener that was set from this
 * program's MTA (the listener keeps a reference after its job is gone), so
 * there such a listener is left allocated rather than waited for.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#include <stdlib.h>

#ifdef BITSDO_TEST_HOST
#include "host_util.h"
#include <shellapi.h>
#define CLSID_MANAGER CLSID_BitsdoManager
#define CLSID_QMGR CLSID_BitsdoQMgr
#define CLSID_DO CLSID_BitsdoDeliveryOptimization
#else
#define CLSID_MANAGER CLSID_BitsdoPrivateManager
#define CLSID_QMGR CLSID_BitsdoPrivateQMgr
#define CLSID_DO CLSID_BitsdoPrivateDeliveryOptimization
#endif
#define JOB_NAME L"apartments"

#define CALL_TIMEOUT_MS 3000        /* BITSDO_CALLBACK_TIMEOUT_MS for this program */
#define LOOP_WAIT_MS 30000          /* watchdog of a message loop */
#define THREAD_WAIT_MS 90000

static WCHAR src_path[MAX_PATH], src_url[MAX_PATH], missing_path[MAX_PATH];
#define SRC_SIZE (256u * 1024u)
#define SRC_SEED 9

static int group_setup(void **state)
{
    WCHAR ms[16];

    if (tu_group_setup(state))
        return -1;
    swprintf(ms, ARRAYSIZE(ms), L"%u", CALL_TIMEOUT_MS);
    SetEnvironmentVariableW(L"BITSDO_CALLBACK_TIMEOUT_MS", ms);
#ifdef BITSDO_TEST_HOST
    if (hu_stop_host() != 0)
        return -1;
#endif
    tu_path(src_path, MAX_PATH, L"source.bin");
    tu_make_file(src_path, SRC_SIZE, SRC_SEED);
    tu_file_url(src_url, MAX_PATH, src_path);
    tu_path(missing_path, MAX_PATH, L"no-such-source.bin");
    return 0;
}

static int group_teardown(void **state)
{
    DeleteFileW(src_path);
#ifdef BITSDO_TEST_HOST
    /* Wine 8 never runs down the references of a client process that died
     * (test_client_process_exited's child): the host would not go idle. */
    hu_stop_host();
#endif
    return tu_group_teardown(state);
}

/* --- one listener for every interface ---------------------------------------- */

enum {
    EV_TRANSFERRED,
    EV_ERROR,
    EV_FILE,
    EV_MODIFIED,
    EV_QM_DONE,     /* OnStatus with QM_STATUS_GROUP_COMPLETE */
    EV_DO_DONE,     /* OnStatusChange with DODownloadState_Transferred */
    EV_COUNT,
};

typedef struct listener {
    IBackgroundCopyCallback2 IBackgroundCopyCallback2_iface;
    IBackgroundCopyCallback1 IBackgroundCopyCallback1_iface;
    IDODownloadStatusCallback IDODownloadStatusCallback_iface;
    LONG refs;
    int quit_on;                    /* the event that ends the client's loop, or -1 */
    BOOL complete_inside;           /* IBackgroundCopyJob::Complete from JobTransferred */
    HANDLE block;                   /* if set: the first JobModification waits for it */
    volatile LONG calls[EV_COUNT];
    volatile LONG blocked;
    DWORD tid[EV_COUNT];            /* thread of the last call of each kind */
    DWORD tids[2];                  /* threads of the first two JobTransferred calls */
    APTTYPE apartment;              /* of the thread of the last JobTransferred */
    HRESULT complete_hr;
    ULONGLONG complete_ms;
    HANDLE ev[EV_COUNT];            /* auto-reset: set on every call of each kind */
} listener;

static void seen(listener *l, int what)
{
    LONG n = InterlockedIncrement(&l->calls[what]);
    APTTYPEQUALIFIER q;

    l->tid[what] = GetCurrentThreadId();
    if (what == EV_TRANSFERRED) {
        if (n <= 2)
            l->tids[n - 1] = GetCurrentThreadId();
        if (FAILED(CoGetApartmentType(&l->apartment, &q)))
            l->apartment = (APTTYPE)-2;
    }
}

static void finish(listener *l, int what)
{
    /* The pattern of an STA client: quit its own message loop from inside
     * the callback. Called on another thread, this quits that one. */
    if (what == l->quit_on)
        PostMessageW(NULL, WM_QUIT, 0, 0);
    SetEvent(l->ev[what]);
}

static HRESULT WINAPI l_qi(listener *l, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualIID(riid, &IID_IBackgroundCopyCallback2))
        *out = &l->IBackgroundCopyCallback2_iface;
    else if (IsEqualIID(riid, &IID_IBackgroundCopyCallback1))
        *out = &l->IBackgroundCopyCallback1_iface;
    else if (IsEqualIID(riid, &IID_IDODownloadStatusCallback))
        *out = &l->IDODownloadStatusCallback_iface;
    else {
        *out = NULL;
        return E_NOINTERFACE;
    }
    InterlockedIncrement(&l->refs);
    return S_OK;
}

/* IBackgroundCopyCallback2 */
static listener *from_cb2(IBackgroundCopyCallback2 *iface)
{
    return CONTAINING_RECORD(iface, listener, IBackgroundCopyCallback2_iface);
}

static HRESULT WINAPI cb2_QueryInterface(IBackgroundCopyCallback2 *iface, REFIID riid, void **out)
{
    return l_qi(from_cb2(iface), riid, out);
}

static ULONG WINAPI cb2_AddRef(IBackgroundCopyCallback2 *iface)
{
    return InterlockedIncrement(&from_cb2(iface)->refs);
}

static ULONG WINAPI cb2_Release(IBackgroundCopyCallback2 *iface)
{
    return InterlockedDecrement(&from_cb2(iface)->refs); /* the test owns the memory */
}

static HRESULT WINAPI cb2_JobTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job)
{
    listener *l = from_cb2(iface);
    ULONGLONG t;

    seen(l, EV_TRANSFERRED);
    if (l->complete_inside && l->calls[EV_TRANSFERRED] == 1) {
        /* Microsoft's sample: Complete from inside the callback. */
        t = GetTickCount64();
        l->complete_hr = IBackgroundCopyJob_Complete(job);
        l->complete_ms = GetTickCount64() - t;
    }
    finish(l, EV_TRANSFERRED);
    return S_OK;
}

static HRESULT WINAPI cb2_JobError(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                   IBackgroundCopyError *error)
{
    listener *l = from_cb2(iface);

    (void)job;
    (void)error;
    seen(l, EV_ERROR);
    finish(l, EV_ERROR);
    return S_OK;
}

static HRESULT WINAPI cb2_JobModification(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                          DWORD reserved)
{
    listener *l = from_cb2(iface);

    (void)job;
    (void)reserved;
    seen(l, EV_MODIFIED);
    if (l->block && InterlockedIncrement(&l->blocked) == 1)
        WaitForSingleObject(l->block, THREAD_WAIT_MS); /* a slow client */
    finish(l, EV_MODIFIED);
    return S_OK;
}

static HRESULT WINAPI cb2_FileTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                          IBackgroundCopyFile *file)
{
    listener *l = from_cb2(iface);

    (void)job;
    (void)file;
    seen(l, EV_FILE);
    finish(l, EV_FILE);
    return S_OK;
}

static const IBackgroundCopyCallback2Vtbl cb2_vtbl = {
    cb2_QueryInterface, cb2_AddRef,          cb2_Release,        cb2_JobTransferred,
    cb2_JobError,       cb2_JobModification, cb2_FileTransferred,
};

/* IBackgroundCopyCallback1 (BITS 1.0) */
static listener *from_cb1(IBackgroundCopyCallback1 *iface)
{
    return CONTAINING_RECORD(iface, listener, IBackgroundCopyCallback1_iface);
}

static HRESULT WINAPI cb1_QueryInterface(IBackgroundCopyCallback1 *iface, REFIID riid, void **out)
{
    return l_qi(from_cb1(iface), riid, out);
}

static ULONG WINAPI cb1_AddRef(IBackgroundCopyCallback1 *iface)
{
    return InterlockedIncrement(&from_cb1(iface)->refs);
}

static ULONG WINAPI cb1_Release(IBackgroundCopyCallback1 *iface)
{
    return InterlockedDecrement(&from_cb1(iface)->refs);
}

static HRESULT WINAPI cb1_OnStatus(IBackgroundCopyCallback1 *iface, IBackgroundCopyGroup *group,
                                   IBackgroundCopyJob1 *job, DWORD file, DWORD status, DWORD retries,
                                   DWORD win32, DWORD transport)
{
    listener *l = from_cb1(iface);

    (void)group, (void)job, (void)file, (void)retries, (void)win32, (void)transport;
    if (status & QM_STATUS_GROUP_COMPLETE) {
        seen(l, EV_QM_DONE);
        finish(l, EV_QM_DONE);
    }
    return S_OK;
}

static HRESULT WINAPI cb1_OnProgress(IBackgroundCopyCallback1 *iface, DWORD type, IBackgroundCopyGroup *group,
                                     IBackgroundCopyJob1 *job, DWORD file, DWORD value)
{
    (void)iface, (void)type, (void)group, (void)job, (void)file, (void)value;
    return S_OK;
}

static HRESULT WINAPI cb1_OnProgressEx(IBackgroundCopyCallback1 *iface, DWORD type, IBackgroundCopyGroup *group,
                                       IBackgroundCopyJob1 *job, DWORD file, DWORD value, DWORD size, BYTE *data)
{
    (void)iface, (void)type, (void)group, (void)job, (void)file, (void)value, (void)size, (void)data;
    return S_OK;
}

static const IBackgroundCopyCallback1Vtbl cb1_vtbl = {
    cb1_QueryInterface, cb1_AddRef, cb1_Release, cb1_OnStatus, cb1_OnProgress, cb1_OnProgressEx,
};

/* IDODownloadStatusCallback */
static listener *from_do(IDODownloadStatusCallback *iface)
{
    return CONTAINING_RECORD(iface, listener, IDODownloadStatusCallback_iface);
}

static HRESULT WINAPI do_QueryInterface(IDODownloadStatusCallback *iface, REFIID riid, void **out)
{
    return l_qi(from_do(iface), riid, out);
}

static ULONG WINAPI do_AddRef(IDODownloadStatusCallback *iface)
{
    return InterlockedIncrement(&from_do(iface)->refs);
}

static ULONG WINAPI do_Release(IDODownloadStatusCallback *iface)
{
    return InterlockedDecrement(&from_do(iface)->refs);
}

static HRESULT WINAPI do_OnStatusChange(IDODownloadStatusCallback *iface, IDODownload *download,
                                        const DO_DOWNLOAD_STATUS *status)
{
    listener *l = from_do(iface);

    (void)download;
    if (status && status->State == DODownloadState_Transferred) {
        seen(l, EV_DO_DONE);
        finish(l, EV_DO_DONE);
    }
    return S_OK;
}

static const IDODownloadStatusCallbackVtbl do_vtbl = {
    do_QueryInterface, do_AddRef, do_Release, do_OnStatusChange,
};

static listener *listener_new(int quit_on)
{
    listener *l = calloc(1, sizeof(*l));
    int i;

    assert_non_null(l);
    l->IBackgroundCopyCallback2_iface.lpVtbl = &cb2_vtbl;
    l->IBackgroundCopyCallback1_iface.lpVtbl = &cb1_vtbl;
    l->IDODownloadStatusCallback_iface.lpVtbl = &do_vtbl;
    l->refs = 1;
    l->quit_on = quit_on;
    for (i = 0; i < EV_COUNT; i++)
        assert_non_null(l->ev[i] = CreateEventW(NULL, FALSE, FALSE, NULL));
    return l;
}

static BOOL only_ours(void *ctx)
{
    return ((listener *)ctx)->refs == 1;
}

/* Freed only once nobody holds it: a call may still be on its way out. */
static void listener_free(listener *l)
{
    int i;

#ifdef BITSDO_TEST_HOST
    if (!tu_wait_until(only_ours, l, CALL_TIMEOUT_MS))
        return; /* see the top of this file; it may still be called */
#else
    assert_true(tu_wait_until(only_ours, l, TU_WAIT_MS));
#endif

    for (i = 0; i < EV_COUNT; i++)
        CloseHandle(l->ev[i]);
    if (l->block)
        CloseHandle(l->block);
    free(l);
}

/* --- the client's thread --------------------------------------------------------- */

/* A message loop that ends on WM_QUIT (TRUE) or when the watchdog fires. */
static BOOL pump_until_quit(DWORD timeout_ms)
{
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    ULONGLONG now;
    MSG msg;

    for (;;) {
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
            if (msg.message == WM_QUIT)
                return TRUE;
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
        now = GetTickCount64();
        if (now >= deadline)
            return FALSE;
        MsgWaitForMultipleObjects(0, NULL, FALSE, (DWORD)(deadline - now), QS_ALLINPUT);
    }
}

/* Pumps until `what` was called `count` times (or the watchdog). */
static BOOL pump_until_calls(listener *l, int what, LONG count, DWORD timeout_ms)
{
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    ULONGLONG now;
    MSG msg;

    while (l->calls[what] < count) {
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
        if (l->calls[what] >= count)
            break;
        now = GetTickCount64();
        if (now >= deadline)
            return FALSE;
        MsgWaitForMultipleObjects(0, NULL, FALSE, (DWORD)(deadline - now), QS_ALLINPUT);
    }
    return TRUE;
}

typedef enum client_kind {
    CLIENT_BITS,
    CLIENT_QMGR,
    CLIENT_DO,
} client_kind;

/* What the client thread does and what it saw. No cmocka assertion runs on
 * that thread: it reports and the test thread checks. */
typedef struct client {
    client_kind kind;
    listener *l;
    const WCHAR *remote;
    WCHAR local[MAX_PATH];
    ULONG notify_flags;             /* BITS: BG_NOTIFY_* */
    enum { AFTER_PUMP, AFTER_EXIT, AFTER_BLOCK } after;
    HANDLE ready, go;               /* AFTER_EXIT/AFTER_BLOCK: set up / may go on */
    /* results */
    DWORD tid;
    const char *failed;             /* the setup step that failed */
    HRESULT hr;
    BOOL quit;                      /* the message loop ended on WM_QUIT */
    IBackgroundCopyJob *job;        /* AFTER_EXIT/AFTER_BLOCK: the job, for the test thread */
} client;

#define STEP(call)                                                                                 \
    do {                                                                                           \
        if (FAILED(c->hr = (call))) {                                                              \
            c->failed = #call;                                                                     \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

static DWORD WINAPI bits_client(client *c)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    GUID id;

    STEP(CoCreateInstance(&CLSID_MANAGER, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyManager, (void **)&mgr));
    STEP(IBackgroundCopyManager_CreateJob(mgr, JOB_NAME, BG_JOB_TYPE_DOWNLOAD, &id, &job));
    STEP(IBackgroundCopyJob_AddFile(job, c->remote, c->local));
    STEP(IBackgroundCopyJob_SetNotifyFlags(job, c->notify_flags));
    STEP(IBackgroundCopyJob_SetMinimumRetryDelay(job, 5));
    STEP(IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&c->l->IBackgroundCopyCallback2_iface));
    if (c->after != AFTER_PUMP) {
        /* The test thread resumes and watches the job. */
        IBackgroundCopyJob_AddRef(job);
        c->job = job;
        SetEvent(c->ready);
        if (c->after == AFTER_EXIT)
            goto out; /* the apartment ends with the thread */
        WaitForSingleObject(c->go, THREAD_WAIT_MS); /* busy: no messages pumped */
        c->quit = pump_until_calls(c->l, EV_TRANSFERRED, 2, LOOP_WAIT_MS);
        goto out;
    }
    STEP(IBackgroundCopyJob_Resume(job));
    c->quit = pump_until_quit(LOOP_WAIT_MS);
    if (!c->l->complete_inside || c->l->calls[EV_TRANSFERRED] == 0)
        IBackgroundCopyJob_Cancel(job);
out:
    if (job)
        IBackgroundCopyJob_Release(job);
    if (mgr)
        IBackgroundCopyManager_Release(mgr);
    return 0;
}

static HRESULT set_group_int(IBackgroundCopyGroup *group, GROUPPROP prop, LONG value)
{
    VARIANT v;

    V_VT(&v) = VT_I4;
    V_I4(&v) = value;
    return IBackgroundCopyGroup_SetProp(group, prop, &v);
}

static DWORD WINAPI qmgr_client(client *c)
{
    IBackgroundCopyQMgr *qmgr = NULL;
    IBackgroundCopyGroup *group = NULL;
    IBackgroundCopyJob1 *job = NULL;
    FILESETINFO info, *infos[1] = {&info};
    GUID id;

    STEP(CoCreateInstance(&CLSID_QMGR, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyQMgr, (void **)&qmgr));
    STEP(CoCreateGuid(&id));
    STEP(IBackgroundCopyQMgr_CreateGroup(qmgr, id, &group));
    STEP(CoCreateGuid(&id));
    STEP(IBackgroundCopyGroup_CreateJob(group, id, &job));
    info.bstrRemoteFile = SysAllocString(c->remote);
    info.bstrLocalFile = SysAllocString(c->local);
    info.dwSizeHint = 0;
    c->hr = IBackgroundCopyJob1_AddFiles(job, 1, infos);
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    STEP(c->hr);
    STEP(set_group_int(group, GROUPPROP_NOTIFYFLAGS, QM_NOTIFY_GROUP_DONE));
    STEP(IBackgroundCopyGroup_SetNotificationPointer(group, &IID_IBackgroundCopyCallback1,
                                                     (IUnknown *)&c->l->IBackgroundCopyCallback1_iface));
    STEP(IBackgroundCopyGroup_ResumeGroup(group));
    c->quit = pump_until_quit(LOOP_WAIT_MS);
out:
    if (job)
        IBackgroundCopyJob1_Release(job);
    if (group) {
        IBackgroundCopyGroup_CancelGroup(group);
        IBackgroundCopyGroup_Release(group);
    }
    if (qmgr)
        IBackgroundCopyQMgr_Release(qmgr);
    return 0;
}

static DWORD WINAPI do_client(client *c)
{
    IDOManager *mgr = NULL;
    IDODownload *d = NULL;
    VARIANT v;

    STEP(CoCreateInstance(&CLSID_DO, NULL, CLSCTX_INPROC_SERVER, &IID_IDOManager, (void **)&mgr));
    STEP(IDOManager_CreateDownload(mgr, &d));
    STEP(tu_do_set_bstr(d, DODownloadProperty_Uri, c->remote));
    STEP(tu_do_set_bstr(d, DODownloadProperty_LocalPath, c->local));
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)&c->l->IDODownloadStatusCallback_iface;
    STEP(IDODownload_SetProperty(d, DODownloadProperty_CallbackInterface, &v));
    STEP(IDODownload_Start(d, NULL));
    c->quit = pump_until_quit(LOOP_WAIT_MS);
out:
    if (d) {
        IDODownload_Abort(d);
        IDODownload_Release(d);
    }
    if (mgr)
        IDOManager_Release(mgr);
    return 0;
}

static DWORD WINAPI client_main(void *arg)
{
    client *c = arg;

    c->tid = GetCurrentThreadId();
    if (FAILED(c->hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED))) {
        c->failed = "CoInitializeEx(COINIT_APARTMENTTHREADED)";
        return 0;
    }
    if (c->kind == CLIENT_BITS)
        bits_client(c);
    else if (c->kind == CLIENT_QMGR)
        qmgr_client(c);
    else
        do_client(c);
    CoUninitialize();
    return 0;
}

static HANDLE client_start(client *c)
{
    HANDLE thread = CreateThread(NULL, 0, client_main, c, 0, NULL);

    assert_non_null(thread);
    return thread;
}

static void client_join(client *c, HANDLE thread)
{
    assert_int_equal(WaitForSingleObject(thread, THREAD_WAIT_MS), WAIT_OBJECT_0);
    CloseHandle(thread);
    if (c->failed)
        fail_msg("client thread: %s failed with 0x%08lx", c->failed, (unsigned long)c->hr);
}

/* Runs an STA client of `kind` to the end of its message loop. */
static void run_sta_client(client *c)
{
    client_join(c, client_start(c));
}

/* Skips when COM cannot marshal `iid` between apartments yet (no
 * proxy/stub registered for it): the callback then falls back to being
 * called on our thread (see src/transfer/callback_ref.h). */
static void skip_without_proxy(REFIID iid, const char *name)
{
    WCHAR key[80], guid[40];
    HKEY hkey;

    StringFromGUID2(iid, guid, ARRAYSIZE(guid));
    swprintf(key, ARRAYSIZE(key), L"Interface\\%ls\\ProxyStubClsid32", guid);
    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, key, 0, KEY_READ, &hkey) == ERROR_SUCCESS) {
        RegCloseKey(hkey);
        return;
    }
    print_message("no proxy/stub is registered for %s (HKCR\\Interface\\%ls\\ProxyStubClsid32): "
                  "it cannot be called in an STA client's apartment until one is\n",
                  name, guid);
    skip();
}

/* --- STA clients, one per callback ------------------------------------------------ */

static void test_sta_job_transferred(void **state)
{
    client c = {.kind = CLIENT_BITS};

    (void)state;
    c.l = listener_new(EV_TRANSFERRED);
    c.l->complete_inside = TRUE;
    c.remote = src_path;
    tu_path(c.local, MAX_PATH, L"sta-transferred.bin");
    c.notify_flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR;
    run_sta_client(&c);
    /* The loop ended from inside the callback: it ran on the client's own
     * thread, in the client's apartment. */
    assert_true(c.quit);
    assert_int_equal(c.l->tid[EV_TRANSFERRED], c.tid);
    assert_true(c.l->apartment == APTTYPE_STA || c.l->apartment == APTTYPE_MAINSTA);
    /* Complete from inside the callback (through COM, on another thread)
     * is not held up waiting for the worker that is waiting for us. */
    assert_hr(S_OK, c.l->complete_hr);
    assert_true(c.l->complete_ms < 5000);
    assert_true(tu_check_pattern(c.local, SRC_SIZE, SRC_SEED));
    listener_free(c.l); /* and the job let go of the listener */
}

static void test_sta_file_transferred(void **state)
{
    client c = {.kind = CLIENT_BITS};

    (void)state;
    c.l = listener_new(EV_FILE);
    c.remote = src_url;
    tu_path(c.local, MAX_PATH, L"sta-file.bin");
    c.notify_flags = BG_NOTIFY_FILE_TRANSFERRED;
    run_sta_client(&c);
    assert_true(c.quit);
    assert_int_equal(c.l->calls[EV_FILE], 1);
    assert_int_equal(c.l->tid[EV_FILE], c.tid);
    listener_free(c.l);
}

static void test_sta_job_error(void **state)
{
    client c = {.kind = CLIENT_BITS};

    (void)state;
    c.l = listener_new(EV_ERROR);
    c.remote = missing_path;
    tu_path(c.local, MAX_PATH, L"sta-error.bin");
    c.notify_flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR;
    run_sta_client(&c);
    assert_true(c.quit);
    assert_int_equal(c.l->calls[EV_ERROR], 1);
    assert_int_equal(c.l->tid[EV_ERROR], c.tid);
    assert_int_equal(c.l->calls[EV_TRANSFERRED], 0);
    listener_free(c.l);
}

static void test_sta_qmgr_on_status(void **state)
{
    client c = {.kind = CLIENT_QMGR};

    (void)state;
    skip_without_proxy(&IID_IBackgroundCopyCallback1, "IBackgroundCopyCallback1");
    c.l = listener_new(EV_QM_DONE);
    c.remote = src_path;
    tu_path(c.local, MAX_PATH, L"sta-qmgr.bin");
    run_sta_client(&c);
    assert_true(c.quit);
    assert_int_equal(c.l->tid[EV_QM_DONE], c.tid);
    assert_true(tu_check_pattern(c.local, SRC_SIZE, SRC_SEED));
    listener_free(c.l);
}

static void test_sta_do_status(void **state)
{
    client c = {.kind = CLIENT_DO};

    (void)state;
    skip_without_proxy(&IID_IDODownloadStatusCallback, "IDODownloadStatusCallback");
    c.l = listener_new(EV_DO_DONE);
    c.remote = src_url;
    tu_path(c.local, MAX_PATH, L"sta-do.bin");
    run_sta_client(&c);
    assert_true(c.quit);
    assert_int_equal(c.l->tid[EV_DO_DONE], c.tid);
    listener_free(c.l);
}

static IBackgroundCopyManager *manager(void)
{
    IBackgroundCopyManager *mgr = NULL;

    assert_hr(S_OK, CoCreateInstance(&CLSID_MANAGER, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyManager,
                                     (void **)&mgr));
    return mgr;
}

#ifndef BITSDO_TEST_HOST
/* --- an MTA client ------------------------------------------------------------------ */

/* Called directly (in the MTA, on whatever thread), and a callback that
 * takes far longer than the bound does not hold the transfer up: the job
 * reaches TRANSFERRED while the first JobModification is still blocked, and
 * JobTransferred arrives once the client answers again. */
static void test_mta_client(void **state)
{
    IBackgroundCopyManager *mgr = manager();
    IBackgroundCopyJob *job;
    IUnknown *notify = NULL;
    WCHAR local[MAX_PATH];
    listener *l = listener_new(-1);

    (void)state;
    assert_non_null(l->block = CreateEventW(NULL, TRUE, FALSE, NULL));
    tu_path(local, MAX_PATH, L"mta.bin");
    job = tu_create_job(mgr, JOB_NAME, NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src_path, local));
    assert_hr(S_OK, IBackgroundCopyJob_SetMinimumRetryDelay(job, 5));
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR |
                                                               BG_NOTIFY_JOB_MODIFICATION));
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&l->IBackgroundCopyCallback2_iface));
    /* In the setter's apartment the listener is the object itself. */
    assert_hr(S_OK, IBackgroundCopyJob_GetNotifyInterface(job, &notify));
    assert_ptr_equal(notify, &l->IBackgroundCopyCallback2_iface);
    IUnknown_Release(notify);

    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_int_equal(l->blocked, 1); /* still inside the first JobModification */
    SetEvent(l->block);
    assert_true(tu_wait_event(l->ev[EV_TRANSFERRED], TU_WAIT_MS));
    assert_true(l->tid[EV_TRANSFERRED] != 0);
    assert_int_equal(l->apartment, APTTYPE_MTA);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_check_pattern(local, SRC_SIZE, SRC_SEED));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    listener_free(l);
}

/* --- a client whose apartment is gone ----------------------------------------------- */

/* The listener was set from an STA thread that then left COM and ended.
 * Nothing can be called in that apartment any more: the job still
 * transfers, the listener is never called (on any thread), JobTransferred
 * stays owed and is retried; nothing hangs and nothing crashes. A new
 * listener then gets it. */
static void test_sta_exited(void **state)
{
    client c = {.kind = CLIENT_BITS};
    listener *l2 = listener_new(-1);
    HANDLE thread;
    ULONGLONG t;

    (void)state;
    c.l = listener_new(EV_TRANSFERRED);
    c.remote = src_path;
    tu_path(c.local, MAX_PATH, L"sta-exited.bin");
    c.notify_flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR;
    c.after = AFTER_EXIT;
    assert_non_null(c.ready = CreateEventW(NULL, TRUE, FALSE, NULL));
    thread = client_start(&c);
    client_join(&c, thread); /* CoUninitialize, thread gone */
    assert_non_null(c.job);

    assert_hr(S_OK, IBackgroundCopyJob_Resume(c.job));
    assert_true(wait_for_state(c.job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    /* Give the worker time to try (and fail) more than once. */
    assert_false(tu_wait_event(c.l->ev[EV_TRANSFERRED], 2 * CALL_TIMEOUT_MS));
    assert_int_equal(c.l->calls[EV_TRANSFERRED], 0);
    assert_int_equal(tu_state(c.job), BG_JOB_STATE_TRANSFERRED);

    /* Still owed: a listener that can be called gets it at once. */
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(c.job, (IUnknown *)&l2->IBackgroundCopyCallback2_iface));
    assert_true(tu_wait_event(l2->ev[EV_TRANSFERRED], TU_WAIT_MS));
    t = GetTickCount64();
    assert_hr(S_OK, IBackgroundCopyJob_Complete(c.job));
    assert_true(GetTickCount64() - t < 5000);
    assert_true(tu_check_pattern(c.local, SRC_SIZE, SRC_SEED));
    IBackgroundCopyJob_Release(c.job);
    assert_int_equal(c.l->calls[EV_TRANSFERRED], 0);
    CloseHandle(c.ready);
    listener_free(c.l);
    listener_free(l2);
}

/* --- an STA that does not pump ------------------------------------------------------ */

/* The client sets its listener and then is busy (no messages) for longer
 * than the bound on a call. The job still transfers; the JobTransferred the
 * client could not take is retried after the retry delay, so once the
 * client pumps it is called (on its own thread) a second time. */
static void test_sta_not_pumping(void **state)
{
    client c = {.kind = CLIENT_BITS};
    HANDLE thread;

    (void)state;
    c.l = listener_new(-1);
    c.remote = src_path;
    tu_path(c.local, MAX_PATH, L"sta-busy.bin");
    c.notify_flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR;
    c.after = AFTER_BLOCK;
    assert_non_null(c.ready = CreateEventW(NULL, TRUE, FALSE, NULL));
    assert_non_null(c.go = CreateEventW(NULL, TRUE, FALSE, NULL));
    thread = client_start(&c);
    assert_true(tu_wait_event(c.ready, TU_WAIT_MS));
    assert_non_null(c.job);

    assert_hr(S_OK, IBackgroundCopyJob_Resume(c.job));
    assert_true(wait_for_state(c.job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    /* The scenario, not a synchronisation: the client stays busy for twice
     * the bound after the job is done, so the first call must time out. */
    assert_false(tu_wait_event(c.l->ev[EV_TRANSFERRED], 2 * CALL_TIMEOUT_MS));
    assert_int_equal(c.l->calls[EV_TRANSFERRED], 0);
    SetEvent(c.go);
    client_join(&c, thread);
    /* The call that timed out (its answer ignored) and the retry. */
    assert_true(c.quit);
    assert_int_equal(c.l->calls[EV_TRANSFERRED], 2);
    assert_int_equal(c.l->tids[0], c.tid);
    assert_int_equal(c.l->tids[1], c.tid);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(c.job));
    IBackgroundCopyJob_Release(c.job);
    CloseHandle(c.ready);
    CloseHandle(c.go);
    listener_free(c.l);
}

#else /* BITSDO_TEST_HOST */
/* --- a client process that exits holding its callback ------------------------------- */

/* "child hold {GUID}": an STA client that sets its listener on the job and
 * then ends its process at once: no Release, no CoUninitialize. Exit code 0
 * once the listener is set. */
static int child_hold(const WCHAR *guid_text)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    listener *l;
    GUID id;

    if (FAILED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED)) || FAILED(CLSIDFromString(guid_text, &id)))
        return 2;
    if (FAILED(CoCreateInstance(&CLSID_MANAGER, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyManager,
                                (void **)&mgr)) ||
        FAILED(IBackgroundCopyManager_GetJob(mgr, &id, &job)))
        return 3;
    l = listener_new(EV_TRANSFERRED);
    if (FAILED(IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR)) ||
        FAILED(IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&l->IBackgroundCopyCallback2_iface)))
        return 4;
    ExitProcess(0); /* the host still holds a proxy to `l` */
}

/* The host holds the callback of a process that is gone. The job still
 * transfers; the host keeps answering (each call here is quick) while its
 * calls into the dead process fail; JobTransferred stays owed and reaches
 * the next listener; Complete works. */
static void test_client_process_exited(void **state)
{
    IBackgroundCopyManager *mgr = manager();
    IBackgroundCopyJob *job;
    listener *l = listener_new(-1);
    WCHAR self[MAX_PATH], local[MAX_PATH], guid[40], args[80];
    BG_JOB_STATE st;
    ULONGLONG t;
    GUID id;
    int i;

    (void)state;
    tu_path(local, MAX_PATH, L"exited-process.bin");
    job = tu_create_job(mgr, JOB_NAME, &id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src_path, local));
    assert_hr(S_OK, IBackgroundCopyJob_SetMinimumRetryDelay(job, 5));
    StringFromGUID2(&id, guid, ARRAYSIZE(guid));
    swprintf(args, ARRAYSIZE(args), L"child hold %ls", guid);
    assert_true(GetModuleFileNameW(NULL, self, MAX_PATH) > 0);
    assert_int_equal(0, hu_run(self, args));

    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    /* While the host tries the dead client (and waits for its retry delay),
     * every call is answered at once. */
    for (i = 0; i < 20; i++) {
        t = GetTickCount64();
        assert_hr(S_OK, IBackgroundCopyJob_GetState(job, &st));
        assert_int_equal(st, BG_JOB_STATE_TRANSFERRED);
        assert_true(GetTickCount64() - t < CALL_TIMEOUT_MS);
        Sleep(100); /* spreads the calls over two seconds; not a synchronisation */
    }
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&l->IBackgroundCopyCallback2_iface));
    assert_true(tu_wait_event(l->ev[EV_TRANSFERRED], TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_check_pattern(local, SRC_SIZE, SRC_SEED));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    listener_free(l);
}

/* Cancels the jobs this program made in the host (by name); the host's
 * other jobs are not ours. */
static int teardown(void **state)
{
    IBackgroundCopyManager *mgr = NULL;
    IEnumBackgroundCopyJobs *e = NULL;
    IBackgroundCopyJob *job;
    WCHAR *name;
    ULONG fetched;

    (void)state;
    if (FAILED(CoCreateInstance(&CLSID_MANAGER, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyManager,
                                (void **)&mgr)))
        return 0;
    if (SUCCEEDED(IBackgroundCopyManager_EnumJobs(mgr, 0, &e))) {
        while (IEnumBackgroundCopyJobs_Next(e, 1, &job, &fetched) == S_OK) {
            if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &name))) {
                if (!wcscmp(name, JOB_NAME))
                    IBackgroundCopyJob_Cancel(job);
                CoTaskMemFree(name);
            }
            IBackgroundCopyJob_Release(job);
        }
        IEnumBackgroundCopyJobs_Release(e);
    }
    IBackgroundCopyManager_Release(mgr);
    return 0;
}
#endif
#ifndef BITSDO_TEST_HOST
#define teardown tu_cancel_all_jobs
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_sta_job_transferred, teardown),
        cmocka_unit_test_teardown(test_sta_file_transferred, teardown),
        cmocka_unit_test_teardown(test_sta_job_error, teardown),
        cmocka_unit_test_teardown(test_sta_qmgr_on_status, teardown),
        cmocka_unit_test_teardown(test_sta_do_status, teardown),
#ifdef BITSDO_TEST_HOST
        cmocka_unit_test_teardown(test_client_process_exited, teardown),
#else
        /* In-process only: they hold the job's worker inside a listener,
         * compare the listener's own pointer, or use a job's proxy after
         * its apartment ended (which COM refuses across processes). */
        cmocka_unit_test_teardown(test_mta_client, teardown),
        cmocka_unit_test_teardown(test_sta_exited, teardown),
        cmocka_unit_test_teardown(test_sta_not_pumping, teardown),
#endif
    };
#ifdef BITSDO_TEST_HOST
    int argc;
    WCHAR **argv = CommandLineToArgvW(GetCommandLineW(), &argc);

    if (argv && argc == 4 && !wcscmp(argv[1], L"child") && !wcscmp(argv[2], L"hold"))
        return child_hold(argv[3]);
#endif
    if (getenv("BITSDO_TEST_FILTER"))
        cmocka_set_test_filter(getenv("BITSDO_TEST_FILTER"));
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
