/* BITS 1.0 (qmgr.h) through the registry: IBackgroundCopyQMgr, groups,
 * IBackgroundCopyJob1, the GUID enumerators, GROUPPROP, real transfers of
 * groups from local files and from the nginx fixture over HTTP and HTTPS
 * (see http_util.h), progress read from other threads, the
 * IBackgroundCopyCallback1 sequence (set by pointer and by CLSID), and an
 * HTTP 404 as GetStatus and OnStatus report it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#define WAIT_MS 60000

static IBackgroundCopyQMgr *qmgr;

static int group_setup(void **state)
{
    if (tu_group_setup(state))
        return -1;
    if (FAILED(CoCreateInstance(&CLSID_BitsdoPrivateQMgr, NULL, CLSCTX_INPROC_SERVER,
                                &IID_IBackgroundCopyQMgr, (void **)&qmgr)))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyQMgr_Release(qmgr);
    return tu_group_teardown(state);
}

/* --- helpers ---------------------------------------------------------------- */

static IBackgroundCopyGroup *new_group(GUID *id)
{
    IBackgroundCopyGroup *group = NULL;
    GUID local;

    if (!id)
        id = &local;
    assert_hr(S_OK, CoCreateGuid(id));
    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(qmgr, *id, &group));
    assert_non_null(group);
    return group;
}

static IBackgroundCopyJob1 *new_job(IBackgroundCopyGroup *group, GUID *id)
{
    IBackgroundCopyJob1 *job = NULL;
    GUID local;

    if (!id)
        id = &local;
    assert_hr(S_OK, CoCreateGuid(id));
    assert_hr(S_OK, IBackgroundCopyGroup_CreateJob(group, *id, &job));
    assert_non_null(job);
    return job;
}

static void cancel_and_release(IBackgroundCopyGroup *group)
{
    IBackgroundCopyGroup_CancelGroup(group);
    IBackgroundCopyGroup_Release(group);
}

static HRESULT set_int(IBackgroundCopyGroup *group, GROUPPROP id, VARTYPE vt, LONG value)
{
    VARIANT v;

    VariantInit(&v);
    V_VT(&v) = vt;
    switch (vt) {
    case VT_I2:   V_I2(&v) = (SHORT)value; break;
    case VT_UI2:  V_UI2(&v) = (USHORT)value; break;
    case VT_UI4:  V_UI4(&v) = (ULONG)value; break;
    case VT_INT:  V_INT(&v) = (INT)value; break;
    case VT_UINT: V_UINT(&v) = (UINT)value; break;
    default:      V_I4(&v) = value; break;
    }
    return IBackgroundCopyGroup_SetProp(group, id, &v);
}

static HRESULT set_str(IBackgroundCopyGroup *group, GROUPPROP id, const WCHAR *value)
{
    VARIANT v;
    HRESULT hr;

    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = value ? SysAllocString(value) : NULL;
    hr = IBackgroundCopyGroup_SetProp(group, id, &v);
    VariantClear(&v);
    return hr;
}

static LONG get_int(IBackgroundCopyGroup *group, GROUPPROP id)
{
    VARIANT v;

    assert_hr(S_OK, IBackgroundCopyGroup_GetProp(group, id, &v));
    assert_int_equal(V_VT(&v), VT_I4);
    return V_I4(&v);
}

/* The property as a string (VT_BSTR asserted); free with SysFreeString. */
static BSTR get_str(IBackgroundCopyGroup *group, GROUPPROP id)
{
    VARIANT v;

    assert_hr(S_OK, IBackgroundCopyGroup_GetProp(group, id, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_non_null(V_BSTR(&v));
    return V_BSTR(&v);
}

static HRESULT add_files(IBackgroundCopyJob1 *job, ULONG count, const WCHAR *const *remote,
                         const WCHAR *const *local, const DWORD *hints)
{
    FILESETINFO *infos = calloc(count ? count : 1, sizeof(*infos));
    FILESETINFO **ptrs = calloc(count ? count : 1, sizeof(*ptrs));
    HRESULT hr;
    ULONG i;

    assert_non_null(infos);
    assert_non_null(ptrs);
    for (i = 0; i < count; i++) {
        infos[i].bstrRemoteFile = remote[i] ? SysAllocString(remote[i]) : NULL;
        infos[i].bstrLocalFile = local[i] ? SysAllocString(local[i]) : NULL;
        infos[i].dwSizeHint = hints ? hints[i] : 0;
        ptrs[i] = &infos[i];
    }
    hr = IBackgroundCopyJob1_AddFiles(job, count, ptrs);
    for (i = 0; i < count; i++) {
        SysFreeString(infos[i].bstrRemoteFile);
        SysFreeString(infos[i].bstrLocalFile);
    }
    free(infos);
    free(ptrs);
    return hr;
}

static HRESULT add_file(IBackgroundCopyJob1 *job, const WCHAR *remote, const WCHAR *local)
{
    return add_files(job, 1, &remote, &local, NULL);
}

static DWORD status_of(IBackgroundCopyGroup *group)
{
    DWORD status = 0, index = 99;

    assert_hr(S_OK, IBackgroundCopyGroup_GetStatus(group, &status, &index));
    assert_int_equal(index, 0);
    return status;
}

static DWORD progress_of(IBackgroundCopyGroup *group, DWORD flags)
{
    DWORD value = 0;

    assert_hr(S_OK, IBackgroundCopyGroup_GetProgress(group, flags, &value));
    return value;
}

/* Polls GetStatus (every millisecond, bounded) until all `bits` are set. */
static BOOL wait_status(IBackgroundCopyGroup *group, DWORD bits, DWORD timeout_ms)
{
    ULONGLONG end = tu_ms() + timeout_ms;
    DWORD status = 0;

    do {
        status = status_of(group);
        if ((status & bits) == bits)
            return TRUE;
        Sleep(1);
    } while (tu_ms() < end);
    print_error("group status 0x%lx, waited for 0x%lx\n", (unsigned long)status, (unsigned long)bits);
    return FALSE;
}

static IBackgroundCopyJob *modern_view(IBackgroundCopyGroup *group)
{
    IUnknown *unk = NULL;
    IBackgroundCopyJob *job;

    assert_hr(S_OK, IBackgroundCopyGroup_QueryNewJobInterface(group, &IID_IBackgroundCopyJob, &unk));
    assert_non_null(unk);
    job = tu_qi(unk, &IID_IBackgroundCopyJob);
    IUnknown_Release(unk);
    return job;
}

static BOOL in_groups(const GUID *id)
{
    IEnumBackgroundCopyGroups *e = NULL;
    GUID got;
    ULONG n;
    BOOL found = FALSE;

    assert_hr(S_OK, IBackgroundCopyQMgr_EnumGroups(qmgr, 0, &e));
    while (IEnumBackgroundCopyGroups_Next(e, 1, &got, &n) == S_OK)
        if (IsEqualGUID(&got, id))
            found = TRUE;
    IEnumBackgroundCopyGroups_Release(e);
    return found;
}

/* --- the callback the tests implement -------------------------------------- */

enum { EV_STATUS, EV_PROGRESS, EV_PROGRESSEX };

typedef struct cb_event {
    int kind;
    DWORD status, file, value, type, retries, win32, transport;
    BOOL has_job, group_ok, files_present, no_bytes;
} cb_event;

#define MAX_EVENTS 4096

typedef struct test_callback {
    IBackgroundCopyCallback1 IBackgroundCopyCallback1_iface;
    LONG refs;
    CRITICAL_SECTION cs;
    cb_event events[MAX_EVENTS];
    LONG count;
    GUID group_id;
    /* behaviour */
    LONG fail_group_done;          /* answer E_FAIL to this many GROUP_COMPLETE calls */
    BOOL suspend_on_progress;      /* SuspendGroup from the first OnProgress */
    BOOL suspend_on_file_done;     /* SuspendGroup from the first FILE_COMPLETE */
    HANDLE hold_progress;          /* if set: the first OnProgress waits for it */
    const WCHAR *expect_files[4];  /* checked for existence at GROUP_COMPLETE */
    /* signals */
    HANDLE ev_done;                /* OnStatus GROUP_COMPLETE answered S_OK */
    HANDLE ev_group_done_call;     /* any OnStatus GROUP_COMPLETE call */
    HANDLE ev_error;               /* OnStatus GROUP_ERROR */
    HANDLE ev_progress;            /* first OnProgress(Ex) */
    HANDLE ev_suspended;           /* the callback suspended the group */
    LONG progress_seen;
    LONG group_done_calls;
} test_callback;

static test_callback *impl_from_cb(IBackgroundCopyCallback1 *iface)
{
    return CONTAINING_RECORD(iface, test_callback, IBackgroundCopyCallback1_iface);
}

static HRESULT WINAPI cb_QueryInterface(IBackgroundCopyCallback1 *iface, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback1)) {
        *out = iface;
        IBackgroundCopyCallback1_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI cb_AddRef(IBackgroundCopyCallback1 *iface)
{
    return InterlockedIncrement(&impl_from_cb(iface)->refs);
}

static ULONG WINAPI cb_Release(IBackgroundCopyCallback1 *iface)
{
    return InterlockedDecrement(&impl_from_cb(iface)->refs);
}

static cb_event *record(test_callback *cb, int kind, IBackgroundCopyGroup *group, IBackgroundCopyJob1 *job)
{
    cb_event *ev = NULL;
    GUID id;

    EnterCriticalSection(&cb->cs);
    if (cb->count < MAX_EVENTS) {
        ev = &cb->events[cb->count++];
        memset(ev, 0, sizeof(*ev));
        ev->kind = kind;
        ev->has_job = job != NULL;
        ev->group_ok = group && SUCCEEDED(IBackgroundCopyGroup_get_GroupID(group, &id)) &&
                       IsEqualGUID(&id, &cb->group_id);
    }
    LeaveCriticalSection(&cb->cs);
    return ev;
}

static HRESULT WINAPI cb_OnStatus(IBackgroundCopyCallback1 *iface, IBackgroundCopyGroup *group,
                                  IBackgroundCopyJob1 *job, DWORD file, DWORD status, DWORD retries,
                                  DWORD win32, DWORD transport)
{
    test_callback *cb = impl_from_cb(iface);
    cb_event *ev = record(cb, EV_STATUS, group, job);
    HRESULT hr = S_OK;
    int i;

    if (ev) {
        ev->status = status;
        ev->file = file;
        ev->retries = retries;
        ev->win32 = win32;
        ev->transport = transport;
    }
    if ((status & QM_STATUS_FILE_COMPLETE) && cb->suspend_on_file_done) {
        cb->suspend_on_file_done = FALSE;
        IBackgroundCopyGroup_SuspendGroup(group);
        SetEvent(cb->ev_suspended);
    }
    if (status & QM_STATUS_GROUP_ERROR)
        SetEvent(cb->ev_error);
    if ((status & QM_STATUS_GROUP_COMPLETE) && !(status & QM_STATUS_JOB_COMPLETE)) {
        if (ev) {
            ev->files_present = TRUE;
            for (i = 0; i < 4 && cb->expect_files[i]; i++)
                if (!tu_exists(cb->expect_files[i]))
                    ev->files_present = FALSE;
        }
        InterlockedIncrement(&cb->group_done_calls);
        if (cb->fail_group_done > 0) {
            cb->fail_group_done--;
            hr = E_FAIL;
        }
        SetEvent(cb->ev_group_done_call);
        if (hr == S_OK)
            SetEvent(cb->ev_done);
    }
    return hr;
}

static void on_progress(test_callback *cb, IBackgroundCopyGroup *group)
{
    if (InterlockedIncrement(&cb->progress_seen) != 1)
        return;
    if (cb->suspend_on_progress) {
        IBackgroundCopyGroup_SuspendGroup(group);
        SetEvent(cb->ev_suspended);
    }
    SetEvent(cb->ev_progress);
    if (cb->hold_progress)
        WaitForSingleObject(cb->hold_progress, WAIT_MS);
}

static HRESULT WINAPI cb_OnProgress(IBackgroundCopyCallback1 *iface, DWORD type, IBackgroundCopyGroup *group,
                                    IBackgroundCopyJob1 *job, DWORD file, DWORD value)
{
    test_callback *cb = impl_from_cb(iface);
    cb_event *ev = record(cb, EV_PROGRESS, group, job);

    if (ev) {
        ev->type = type;
        ev->file = file;
        ev->value = value;
    }
    on_progress(cb, group);
    return S_OK;
}

static HRESULT WINAPI cb_OnProgressEx(IBackgroundCopyCallback1 *iface, DWORD type, IBackgroundCopyGroup *group,
                                      IBackgroundCopyJob1 *job, DWORD file, DWORD value, DWORD size,
                                      BYTE *bytes)
{
    test_callback *cb = impl_from_cb(iface);
    cb_event *ev = record(cb, EV_PROGRESSEX, group, job);

    if (ev) {
        ev->type = type;
        ev->file = file;
        ev->value = value;
        ev->no_bytes = size == 0 && bytes == NULL;
    }
    on_progress(cb, group);
    return S_OK;
}

static const IBackgroundCopyCallback1Vtbl cb_vtbl = {
    cb_QueryInterface, cb_AddRef, cb_Release, cb_OnStatus, cb_OnProgress, cb_OnProgressEx,
};

static test_callback *cb_new(const GUID *group_id)
{
    test_callback *cb = calloc(1, sizeof(*cb));

    assert_non_null(cb);
    cb->IBackgroundCopyCallback1_iface.lpVtbl = &cb_vtbl;
    cb->refs = 1;
    InitializeCriticalSection(&cb->cs);
    cb->group_id = *group_id;
    cb->ev_done = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb->ev_group_done_call = CreateEventW(NULL, FALSE, FALSE, NULL);
    cb->ev_error = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb->ev_progress = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb->ev_suspended = CreateEventW(NULL, TRUE, FALSE, NULL);
    return cb;
}

/* Frees the callback once the DLL has let go of it (bounded wait). */
static void cb_free(test_callback *cb)
{
    ULONGLONG end = tu_ms() + WAIT_MS;

    while (InterlockedCompareExchange(&cb->refs, 0, 0) > 1 && tu_ms() < end)
        Sleep(1);
    assert_int_equal(cb->refs, 1);
    CloseHandle(cb->ev_done);
    CloseHandle(cb->ev_group_done_call);
    CloseHandle(cb->ev_error);
    CloseHandle(cb->ev_progress);
    CloseHandle(cb->ev_suspended);
    DeleteCriticalSection(&cb->cs);
    free(cb);
}

static HRESULT set_callback(IBackgroundCopyGroup *group, test_callback *cb)
{
    return IBackgroundCopyGroup_SetNotificationPointer(group, &IID_IBackgroundCopyCallback1,
                                                       cb ? (IUnknown *)&cb->IBackgroundCopyCallback1_iface
                                                          : NULL);
}

/* --- IBackgroundCopyQMgr ---------------------------------------------------- */

static void test_activation(void **state)
{
    IBackgroundCopyQMgr *other = NULL;
    IUnknown *unk = NULL;
    void *p = (void *)1;

    (void)state;
    assert_hr(S_OK, IBackgroundCopyQMgr_QueryInterface(qmgr, &IID_IUnknown, (void **)&unk));
    IUnknown_Release(unk);
    assert_hr(S_OK, IBackgroundCopyQMgr_QueryInterface(qmgr, &IID_IBackgroundCopyQMgr, (void **)&other));
    assert_ptr_equal(other, qmgr);
    IBackgroundCopyQMgr_Release(other);
    assert_hr(E_NOINTERFACE, IBackgroundCopyQMgr_QueryInterface(qmgr, &IID_IBackgroundCopyManager, &p));
    assert_null(p);
    assert_hr(E_POINTER, IBackgroundCopyQMgr_QueryInterface(qmgr, &IID_IUnknown, NULL));
    /* Through the registry again, asking for IUnknown first. */
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateQMgr, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown,
                                     (void **)&unk));
    other = tu_qi(unk, &IID_IBackgroundCopyQMgr);
    IUnknown_Release(unk);
    assert_int_equal(tu_refcount(other), 1);
    IBackgroundCopyQMgr_Release(other);
}

static void test_groups_create_get_enum(void **state)
{
    IBackgroundCopyGroup *a, *b, *got = (IBackgroundCopyGroup *)1;
    IBackgroundCopyManager *mgr;
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *job;
    GUID ida, idb, id, random;
    ULONG n;

    (void)state;
    assert_hr(E_POINTER, IBackgroundCopyQMgr_CreateGroup(qmgr, GUID_NULL, NULL));
    a = new_group(&ida);
    b = new_group(&idb);
    /* Documented: a GUID already in the queue is E_INVALIDARG. */
    assert_hr(E_INVALIDARG, IBackgroundCopyQMgr_CreateGroup(qmgr, ida, &got));
    assert_null(got);

    assert_hr(E_POINTER, IBackgroundCopyQMgr_GetGroup(qmgr, ida, NULL));
    assert_hr(S_OK, IBackgroundCopyQMgr_GetGroup(qmgr, ida, &got));
    assert_hr(S_OK, IBackgroundCopyGroup_get_GroupID(got, &id));
    assert_true(IsEqualGUID(&id, &ida));
    IBackgroundCopyGroup_Release(got);
    assert_hr(S_OK, CoCreateGuid(&random));
    got = (IBackgroundCopyGroup *)1;
    assert_hr(QM_E_ITEM_NOT_FOUND, IBackgroundCopyQMgr_GetGroup(qmgr, random, &got));
    assert_null(got);

    assert_true(in_groups(&ida));
    assert_true(in_groups(&idb));

    /* Groups are not BITS jobs: the manager does not list them. The same
     * work is reachable as a job by its GUID, which is the group's. */
    mgr = tu_manager();
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &jobs));
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &n) == S_OK) {
        assert_hr(S_OK, IBackgroundCopyJob_GetId(job, &id));
        assert_false(IsEqualGUID(&id, &ida));
        assert_false(IsEqualGUID(&id, &idb));
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    job = modern_view(a);
    assert_hr(S_OK, IBackgroundCopyJob_GetId(job, &id));
    assert_true(IsEqualGUID(&id, &ida));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);

    /* Cancelled groups leave the queue. */
    assert_hr(S_OK, IBackgroundCopyGroup_CancelGroup(a));
    assert_false(in_groups(&ida));
    assert_true(in_groups(&idb));
    assert_hr(QM_E_ITEM_NOT_FOUND, IBackgroundCopyQMgr_GetGroup(qmgr, ida, &got));
    /* ... and the GUID may be used again. */
    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(qmgr, ida, &got));
    cancel_and_release(got);
    IBackgroundCopyGroup_Release(a);
    cancel_and_release(b);
}

static void test_enum_groups(void **state)
{
    IEnumBackgroundCopyGroups *e = NULL, *clone = NULL;
    IBackgroundCopyGroup *groups[3];
    GUID ids[3], got[4];
    ULONG base, count, n, i, j, matched = 0;

    (void)state;
    assert_hr(E_POINTER, IBackgroundCopyQMgr_EnumGroups(qmgr, 0, NULL));
    assert_hr(E_NOTIMPL, IBackgroundCopyQMgr_EnumGroups(qmgr, 1, &e)); /* documented */
    assert_null(e);
    assert_hr(S_OK, IBackgroundCopyQMgr_EnumGroups(qmgr, 0, &e));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_GetCount(e, &base));
    IEnumBackgroundCopyGroups_Release(e);
    for (i = 0; i < 3; i++)
        groups[i] = new_group(&ids[i]);

    assert_hr(S_OK, IBackgroundCopyQMgr_EnumGroups(qmgr, 0, &e));
    assert_hr(E_POINTER, IEnumBackgroundCopyGroups_GetCount(e, NULL));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_GetCount(e, &count));
    assert_int_equal(count, base + 3);
    /* pceltFetched may be NULL only for one item. */
    assert_hr(E_INVALIDARG, IEnumBackgroundCopyGroups_Next(e, 2, got, NULL));
    assert_hr(E_POINTER, IEnumBackgroundCopyGroups_Next(e, 1, NULL, &n));
    for (i = 0; i < count; i++) {
        assert_hr(S_OK, IEnumBackgroundCopyGroups_Next(e, 1, got, NULL));
        for (j = 0; j < 3; j++)
            if (IsEqualGUID(&got[0], &ids[j]))
                matched++;
    }
    assert_int_equal(matched, 3);
    n = 99;
    assert_hr(S_FALSE, IEnumBackgroundCopyGroups_Next(e, 1, got, &n));
    assert_int_equal(n, 0);
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Reset(e));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Skip(e, count - 1));
    assert_hr(S_FALSE, IEnumBackgroundCopyGroups_Next(e, 4, got, &n));
    assert_int_equal(n, 1);
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Reset(e));
    assert_hr(S_FALSE, IEnumBackgroundCopyGroups_Skip(e, count + 1));
    assert_hr(S_FALSE, IEnumBackgroundCopyGroups_Next(e, 1, got, &n));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Reset(e));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Skip(e, 1));

    /* A clone starts where the original is and moves on its own. */
    assert_hr(E_POINTER, IEnumBackgroundCopyGroups_Clone(e, NULL));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Clone(e, &clone));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Next(e, 1, &got[0], NULL));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Next(clone, 1, &got[1], NULL));
    assert_true(IsEqualGUID(&got[0], &got[1]));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_GetCount(clone, &n));
    assert_int_equal(n, count);
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Skip(clone, count - 2));
    assert_hr(S_FALSE, IEnumBackgroundCopyGroups_Skip(clone, 1));
    assert_hr(S_OK, IEnumBackgroundCopyGroups_Next(e, 1, &got[0], NULL));
    IEnumBackgroundCopyGroups_Release(clone);

    /* A snapshot: cancelling a group does not change an enumerator. */
    cancel_and_release(groups[0]);
    assert_hr(S_OK, IEnumBackgroundCopyGroups_GetCount(e, &n));
    assert_int_equal(n, count);
    IEnumBackgroundCopyGroups_Release(e);
    assert_false(in_groups(&ids[0]));
    cancel_and_release(groups[1]);
    cancel_and_release(groups[2]);
}

/* --- GROUPPROP -------------------------------------------------------------- */

static void test_group_props(void **state)
{
    static const VARTYPE int_types[] = {VT_I4, VT_I2, VT_UI4, VT_UI2, VT_INT, VT_UINT};
    static const LONG notify_values[] = {
        QM_NOTIFY_GROUP_DONE, QM_NOTIFY_FILE_DONE | QM_NOTIFY_JOB_DONE, QM_NOTIFY_DISABLE_NOTIFY,
        QM_NOTIFY_GROUP_DONE | QM_NOTIFY_USE_PROGRESSEX, QM_NOTIFY_JOB_DONE, 0};
    static const GROUPPROP unsupported[] = {GROUPPROP_REMOTEUSERID, GROUPPROP_REMOTEUSERPWD,
                                            GROUPPROP_LOCALUSERID, GROUPPROP_LOCALUSERPWD,
                                            GROUPPROP_PROGRESSTIME, (GROUPPROP)13, (GROUPPROP)-1};
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob *job;
    WCHAR long_text[1100], guid_text[40];
    LPWSTR text;
    VARIANT v;
    BSTR s;
    GUID id;
    size_t i;

    (void)state;
    group = new_group(&id);
    /* Defaults, with their variant types. */
    assert_int_equal(get_int(group, GROUPPROP_PRIORITY), 1);
    assert_int_equal(get_int(group, GROUPPROP_PROTOCOLFLAGS), QM_PROTOCOL_HTTP);
    assert_int_equal(get_int(group, GROUPPROP_NOTIFYFLAGS), 0);
    assert_int_equal(get_int(group, GROUPPROP_PROGRESSSIZE), 0);
    assert_int_equal(get_int(group, GROUPPROP_PROGRESSPERCENT), 0);
    s = get_str(group, GROUPPROP_NOTIFYCLSID);
    assert_wstr_equal(s, L"");
    SysFreeString(s);
    s = get_str(group, GROUPPROP_DISPLAYNAME);
    assert_wstr_equal(s, L"");
    SysFreeString(s);
    s = get_str(group, GROUPPROP_DESCRIPTION);
    assert_wstr_equal(s, L"");
    SysFreeString(s);

    /* Bad arguments. */
    assert_hr(E_POINTER, IBackgroundCopyGroup_GetProp(group, GROUPPROP_PRIORITY, NULL));
    assert_hr(E_INVALIDARG, IBackgroundCopyGroup_SetProp(group, GROUPPROP_PRIORITY, NULL));
    for (i = 0; i < ARRAYSIZE(unsupported); i++) {
        assert_hr(E_NOTIMPL, IBackgroundCopyGroup_GetProp(group, unsupported[i], &v));
        assert_hr(E_NOTIMPL, set_int(group, unsupported[i], VT_I4, 1));
        assert_hr(E_NOTIMPL, set_str(group, unsupported[i], L"user"));
    }

    /* PRIORITY: one priority, 1. */
    for (i = 0; i < ARRAYSIZE(int_types); i++)
        assert_hr(S_OK, set_int(group, GROUPPROP_PRIORITY, int_types[i], 1));
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_PRIORITY, VT_I4, 2));
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_PRIORITY, VT_R8, 1));
    assert_hr(E_INVALIDARG, set_str(group, GROUPPROP_PRIORITY, L"1"));

    /* PROTOCOLFLAGS: QM_PROTOCOL_HTTP only. */
    assert_hr(S_OK, set_int(group, GROUPPROP_PROTOCOLFLAGS, VT_UI4, QM_PROTOCOL_HTTP));
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_PROTOCOLFLAGS, VT_I4, QM_PROTOCOL_FTP));
    assert_int_equal(get_int(group, GROUPPROP_PROTOCOLFLAGS), QM_PROTOCOL_HTTP);

    /* NOTIFYFLAGS: every integer type, only the QM_NOTIFY_* bits. */
    for (i = 0; i < ARRAYSIZE(int_types); i++) {
        assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, int_types[i], notify_values[i]));
        assert_int_equal(get_int(group, GROUPPROP_NOTIFYFLAGS), notify_values[i]);
    }
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4, 0x100));
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4, -1));
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I2, -1));
    assert_hr(E_INVALIDARG, set_str(group, GROUPPROP_NOTIFYFLAGS, L"4"));
    assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4,
                            QM_NOTIFY_FILE_DONE | QM_NOTIFY_JOB_DONE | QM_NOTIFY_GROUP_DONE |
                                QM_NOTIFY_DISABLE_NOTIFY | QM_NOTIFY_USE_PROGRESSEX));
    assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4, 0));

    /* NOTIFYCLSID: a CLSID as VT_BSTR; "" clears it. */
    StringFromGUID2(&CLSID_BitsdoQMgr, guid_text, ARRAYSIZE(guid_text));
    assert_hr(S_OK, set_str(group, GROUPPROP_NOTIFYCLSID, guid_text));
    s = get_str(group, GROUPPROP_NOTIFYCLSID);
    assert_int_equal(_wcsicmp(s, guid_text), 0);
    SysFreeString(s);
    assert_hr(E_INVALIDARG, set_str(group, GROUPPROP_NOTIFYCLSID, L"{not-a-clsid}"));
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_NOTIFYCLSID, VT_I4, 1));
    assert_hr(S_OK, set_str(group, GROUPPROP_NOTIFYCLSID, NULL));
    s = get_str(group, GROUPPROP_NOTIFYCLSID);
    assert_wstr_equal(s, L"");
    SysFreeString(s);

    /* PROGRESSSIZE / PROGRESSPERCENT: OnProgress steps. */
    assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSSIZE, VT_UI4, 65536));
    assert_int_equal(get_int(group, GROUPPROP_PROGRESSSIZE), 65536);
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_PROGRESSSIZE, VT_I4, -5));
    assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSPERCENT, VT_I2, 100));
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_PROGRESSPERCENT, VT_I4, 101));
    assert_int_equal(get_int(group, GROUPPROP_PROGRESSPERCENT), 100);
    assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSPERCENT, VT_I4, 0));
    assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSSIZE, VT_I4, 0));

    /* DISPLAYNAME (<= 256) and DESCRIPTION (<= 1024): the job's own, as
     * the modern view shows. */
    assert_hr(S_OK, set_str(group, GROUPPROP_DISPLAYNAME, L"legacy group"));
    s = get_str(group, GROUPPROP_DISPLAYNAME);
    assert_wstr_equal(s, L"legacy group");
    SysFreeString(s);
    job = modern_view(group);
    assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(job, &text));
    assert_wstr_equal(text, L"legacy group");
    CoTaskMemFree(text);
    wmemset(long_text, L'x', 1025);
    long_text[1025] = 0;
    assert_hr(E_INVALIDARG, set_str(group, GROUPPROP_DESCRIPTION, long_text));
    long_text[1024] = 0;
    assert_hr(S_OK, set_str(group, GROUPPROP_DESCRIPTION, long_text));
    assert_hr(S_OK, IBackgroundCopyJob_GetDescription(job, &text));
    assert_int_equal(wcslen(text), 1024);
    CoTaskMemFree(text);
    long_text[257] = 0;
    assert_hr(E_INVALIDARG, set_str(group, GROUPPROP_DISPLAYNAME, long_text));
    long_text[256] = 0;
    assert_hr(S_OK, set_str(group, GROUPPROP_DISPLAYNAME, long_text));
    assert_hr(E_INVALIDARG, set_int(group, GROUPPROP_DISPLAYNAME, VT_I4, 1));
    IBackgroundCopyJob_Release(job);

    /* Once cancelled, nothing is set any more; reading still works. */
    assert_hr(S_OK, IBackgroundCopyGroup_CancelGroup(group));
    assert_hr(QM_E_INVALID_STATE, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4, 0));
    assert_hr(QM_E_INVALID_STATE, set_str(group, GROUPPROP_DISPLAYNAME, L"late"));
    assert_int_equal(get_int(group, GROUPPROP_PRIORITY), 1);
    IBackgroundCopyGroup_Release(group);
}

/* --- group methods and their refusals --------------------------------------- */

static void test_group_methods(void **state)
{
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job = (IBackgroundCopyJob1 *)1;
    IEnumBackgroundCopyJobs1 *jobs = NULL;
    IBackgroundCopyJob *modern;
    IUnknown *unk = (IUnknown *)1;
    BG_JOB_PRIORITY priority;
    DWORD value, status, index;
    ULONG n;
    GUID id, got;

    (void)state;
    group = new_group(&id);
    assert_hr(E_POINTER, IBackgroundCopyGroup_GetProgress(group, QM_PROGRESS_PERCENT_DONE, NULL));
    assert_hr(E_NOTIMPL, IBackgroundCopyGroup_GetProgress(group, QM_PROGRESS_TIME_DONE, &value));
    assert_hr(E_INVALIDARG, IBackgroundCopyGroup_GetProgress(group, 0, &value));
    assert_hr(E_INVALIDARG, IBackgroundCopyGroup_GetProgress(group, 4, &value));
    assert_int_equal(progress_of(group, QM_PROGRESS_PERCENT_DONE), 0);
    assert_int_equal(progress_of(group, QM_PROGRESS_SIZE_DONE), 0);
    assert_hr(E_POINTER, IBackgroundCopyGroup_GetStatus(group, NULL, &index));
    assert_hr(E_POINTER, IBackgroundCopyGroup_GetStatus(group, &status, NULL));
    /* Documented: a new group is suspended. */
    assert_int_equal(status_of(group), QM_STATUS_GROUP_SUSPENDED | QM_STATUS_GROUP_INCOMPLETE);
    assert_hr(E_POINTER, IBackgroundCopyGroup_get_Size(group, NULL));
    assert_hr(S_OK, IBackgroundCopyGroup_get_Size(group, &value));
    assert_int_equal(value, 0);
    assert_hr(E_POINTER, IBackgroundCopyGroup_get_GroupID(group, NULL));
    assert_hr(S_OK, IBackgroundCopyGroup_get_GroupID(group, &got));
    assert_true(IsEqualGUID(&got, &id));

    /* Jobs: none yet. */
    assert_hr(QM_E_ITEM_NOT_FOUND, IBackgroundCopyGroup_GetJob(group, id, &job));
    assert_null(job);
    assert_hr(E_POINTER, IBackgroundCopyGroup_GetJob(group, id, NULL));
    assert_hr(E_POINTER, IBackgroundCopyGroup_CreateJob(group, id, NULL));
    assert_hr(E_POINTER, IBackgroundCopyGroup_EnumJobs(group, 0, NULL));
    assert_hr(E_NOTIMPL, IBackgroundCopyGroup_EnumJobs(group, 1, &jobs)); /* documented */
    assert_null(jobs);
    assert_hr(S_OK, IBackgroundCopyGroup_EnumJobs(group, 0, &jobs));
    assert_hr(S_OK, IEnumBackgroundCopyJobs1_GetCount(jobs, &n));
    assert_int_equal(n, 0);
    assert_hr(S_FALSE, IEnumBackgroundCopyJobs1_Next(jobs, 1, &got, &n));
    IEnumBackgroundCopyJobs1_Release(jobs);

    /* Nothing to transfer: Resume is refused, Suspend is fine. */
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_ResumeGroup(group));
    assert_hr(S_OK, IBackgroundCopyGroup_SuspendGroup(group));

    /* QueryNewJobInterface: the modern view of the same work. */
    assert_hr(E_POINTER, IBackgroundCopyGroup_QueryNewJobInterface(group, &IID_IBackgroundCopyJob, NULL));
    assert_hr(E_NOINTERFACE, IBackgroundCopyGroup_QueryNewJobInterface(group, &IID_IBackgroundCopyQMgr, &unk));
    assert_null(unk);
    assert_hr(S_OK, IBackgroundCopyGroup_QueryNewJobInterface(group, &IID_IBackgroundCopyJob5, &unk));
    IUnknown_Release(unk);

    /* SetNotificationPointer: IBackgroundCopyCallback1 only. */
    assert_hr(E_NOINTERFACE, IBackgroundCopyGroup_SetNotificationPointer(group, &IID_IUnknown,
                                                                          (IUnknown *)qmgr));
    assert_hr(E_NOINTERFACE, IBackgroundCopyGroup_SetNotificationPointer(group, &IID_IBackgroundCopyCallback1,
                                                                          (IUnknown *)qmgr));
    assert_hr(S_OK, IBackgroundCopyGroup_SetNotificationPointer(group, &IID_IBackgroundCopyCallback1, NULL));

    /* SwitchToForeground: the job's priority, and the status bit. */
    assert_hr(S_OK, IBackgroundCopyGroup_SwitchToForeground(group));
    assert_int_equal(status_of(group),
                     QM_STATUS_GROUP_SUSPENDED | QM_STATUS_GROUP_INCOMPLETE | QM_STATUS_GROUP_FOREGROUND);
    modern = modern_view(group);
    assert_hr(S_OK, IBackgroundCopyJob_GetPriority(modern, &priority));
    assert_int_equal(priority, BG_JOB_PRIORITY_FOREGROUND);

    /* Cancelled: gone from the queue, every change refused. */
    assert_hr(S_OK, IBackgroundCopyGroup_CancelGroup(group));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_CancelGroup(group));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_GetStatus(group, &status, &index));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_ResumeGroup(group));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_SuspendGroup(group));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_SwitchToForeground(group));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_CreateJob(group, id, &job));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_SetNotificationPointer(group, &IID_IBackgroundCopyCallback1,
                                                                               NULL));
    assert_hr(S_OK, IBackgroundCopyGroup_get_GroupID(group, &got));
    assert_int_equal(progress_of(group, QM_PROGRESS_PERCENT_DONE), 0);
    IBackgroundCopyJob_Release(modern);
    IBackgroundCopyGroup_Release(group);
}

/* --- IBackgroundCopyJob1 ----------------------------------------------------- */

static void test_job1_methods(void **state)
{
    IBackgroundCopyGroup *group, *running;
    IBackgroundCopyJob1 *job, *again = (IBackgroundCopyJob1 *)1;
    IEnumBackgroundCopyJobs1 *jobs;
    IBackgroundCopyJob *modern;
    WCHAR src1[MAX_PATH], src2[MAX_PATH], dst1[MAX_PATH], dst2[MAX_PATH], bad[MAX_PATH];
    WCHAR url[MAX_PATH + 16];
    const WCHAR *remote[201], *local[201];
    DWORD hints[2] = {1234, 0x80000000u}, value, status, win32, transport, retries;
    FILESETINFO info, *null_entry[1] = {NULL};
    GUID gid, jid, got;
    ULONG n, i;

    (void)state;
    tu_path(src1, MAX_PATH, L"job1_a.src");
    tu_path(src2, MAX_PATH, L"job1_b.src");
    tu_path(dst1, MAX_PATH, L"job1_a.dst");
    tu_path(dst2, MAX_PATH, L"job1_b.dst");
    tu_make_file(src1, 1000, 1);
    tu_make_file(src2, 2000, 2);

    group = new_group(&gid);
    job = new_job(group, &jid);
    /* Documented: one job per group. */
    assert_hr(E_NOTIMPL, IBackgroundCopyGroup_CreateJob(group, gid, &again));
    assert_null(again);
    assert_hr(S_OK, IBackgroundCopyGroup_GetJob(group, jid, &again));
    assert_hr(S_OK, IBackgroundCopyJob1_get_JobID(again, &got));
    assert_true(IsEqualGUID(&got, &jid));
    IBackgroundCopyJob1_Release(again);
    assert_hr(QM_E_ITEM_NOT_FOUND, IBackgroundCopyGroup_GetJob(group, gid, &again));
    assert_hr(E_POINTER, IBackgroundCopyJob1_get_JobID(job, NULL));
    assert_hr(S_OK, IBackgroundCopyGroup_EnumJobs(group, 0, &jobs));
    assert_hr(S_OK, IEnumBackgroundCopyJobs1_GetCount(jobs, &n));
    assert_int_equal(n, 1);
    assert_hr(E_INVALIDARG, IEnumBackgroundCopyJobs1_Next(jobs, 0, &got, NULL));
    assert_hr(S_OK, IEnumBackgroundCopyJobs1_Next(jobs, 1, &got, NULL));
    assert_true(IsEqualGUID(&got, &jid));
    assert_hr(S_FALSE, IEnumBackgroundCopyJobs1_Skip(jobs, 1));
    assert_hr(S_OK, IEnumBackgroundCopyJobs1_Reset(jobs));
    assert_hr(S_OK, IEnumBackgroundCopyJobs1_Skip(jobs, 1));
    IEnumBackgroundCopyJobs1_Release(jobs);

    /* AddFiles refusals; nothing is added by a refused call. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob1_AddFiles(job, 1, NULL));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob1_AddFiles(job, 1, null_entry));
    remote[0] = src1;
    local[0] = NULL;
    assert_hr(E_INVALIDARG, add_files(job, 1, remote, local, NULL));
    assert_hr(E_INVALIDARG, add_file(job, NULL, dst1));
    assert_hr(E_INVALIDARG, add_file(job, src1, L"relative\\file.dst"));
    assert_hr(E_INVALIDARG, add_file(job, L"ftp://127.0.0.1/x", dst1));
    assert_hr(E_INVALIDARG, add_file(job, L"relative.src", dst1));
    tu_path(bad, MAX_PATH, L"no_such_folder\\x.dst");
    assert_hr(E_INVALIDARG, add_file(job, src1, bad));
    remote[0] = src1;
    local[0] = dst1;
    remote[1] = src2;
    local[1] = bad;
    assert_hr(E_INVALIDARG, add_files(job, 2, remote, local, NULL));
    assert_hr(S_OK, IBackgroundCopyJob1_GetFileCount(job, &value));
    assert_int_equal(value, 0);
    /* Past the per-job file limit. */
    for (i = 0; i < 201; i++) {
        remote[i] = src1;
        local[i] = dst1;
    }
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, add_files(job, 201, remote, local, NULL));
    assert_hr(S_OK, IBackgroundCopyJob1_AddFiles(job, 0, null_entry));

    /* Two files, one by path and one by file:// URL, size hints kept. */
    remote[0] = src1;
    local[0] = dst1;
    remote[1] = tu_file_url(url, ARRAYSIZE(url), src2);
    local[1] = dst2;
    assert_hr(S_OK, add_files(job, 2, remote, local, hints));
    assert_hr(E_POINTER, IBackgroundCopyJob1_GetFileCount(job, NULL));
    assert_hr(S_OK, IBackgroundCopyJob1_GetFileCount(job, &value));
    assert_int_equal(value, 2);
    assert_hr(E_POINTER, IBackgroundCopyJob1_GetFile(job, 0, NULL));
    assert_hr(QM_E_ITEM_NOT_FOUND, IBackgroundCopyJob1_GetFile(job, 2, &info));
    assert_hr(S_OK, IBackgroundCopyJob1_GetFile(job, 1, &info));
    assert_wstr_equal(info.bstrRemoteFile, url);
    assert_wstr_equal(info.bstrLocalFile, dst2);
    assert_int_equal(info.dwSizeHint, 0x80000000u);
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    assert_hr(S_OK, IBackgroundCopyJob1_GetFile(job, 0, &info));
    assert_wstr_equal(info.bstrRemoteFile, src1);
    assert_int_equal(info.dwSizeHint, 1234);
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);

    /* Status and progress of a suspended job. */
    assert_hr(E_POINTER, IBackgroundCopyJob1_GetStatus(job, NULL, &win32, &transport, &retries));
    assert_hr(E_POINTER, IBackgroundCopyJob1_GetStatus(job, &status, NULL, &transport, &retries));
    assert_hr(E_POINTER, IBackgroundCopyJob1_GetStatus(job, &status, &win32, NULL, &retries));
    assert_hr(E_POINTER, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, NULL));
    assert_hr(S_OK, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
    assert_int_equal(status, QM_STATUS_JOB_INCOMPLETE);
    assert_int_equal(win32, 0);
    assert_int_equal(transport, 0);
    assert_int_equal(retries, 0);
    assert_hr(E_POINTER, IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_SIZE_DONE, NULL));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_TIME_DONE, &value));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob1_GetProgress(job, 7, &value));
    assert_hr(S_OK, IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_PERCENT_DONE, &value));
    assert_int_equal(value, 0);

    /* Documented as not implemented in BITS 1.0. */
    assert_hr(E_NOTIMPL, IBackgroundCopyJob1_CancelJob(job));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob1_SwitchToForeground(job));

    /* The modern view sees the same two files. */
    modern = modern_view(group);
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(modern, &(BG_JOB_PROGRESS){0}));
    IBackgroundCopyJob_Release(modern);

    /* CreateJob on a group that runs (or already finished) is refused. */
    running = new_group(NULL);
    modern = modern_view(running);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(modern, src1, dst1));
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(running));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_CreateJob(running, jid, &again));
    IBackgroundCopyJob_Release(modern);
    cancel_and_release(running);

    IBackgroundCopyJob1_Release(job);
    cancel_and_release(group);
    DeleteFileW(dst1);
    DeleteFileW(src1);
    DeleteFileW(src2);
}

/* --- a real transfer of a group --------------------------------------------- */

static void test_transfer_local(void **state)
{
    static const UINT64 sizes[3] = {0, TU_MB + 1, 3 * TU_MB};
    WCHAR src[3][MAX_PATH], dst[3][MAX_PATH], url[MAX_PATH + 16];
    const WCHAR *remote[3], *local[3];
    IBackgroundCopyGroup *group, *got;
    IBackgroundCopyJob1 *job;
    IBackgroundCopyJob *modern;
    BG_JOB_PROGRESS mp;
    BG_JOB_STATE state_;
    DWORD status, win32, transport, retries, value;
    UINT64 total = 0;
    GUID gid;
    int i;

    (void)state;
    for (i = 0; i < 3; i++) {
        tu_path(src[i], MAX_PATH, L"group_%d.src", i);
        tu_path(dst[i], MAX_PATH, L"group_%d.dst", i);
        tu_make_file(src[i], sizes[i], 10 + i);
        remote[i] = src[i];
        local[i] = dst[i];
        total += sizes[i];
    }
    remote[2] = tu_file_url(url, ARRAYSIZE(url), src[2]);
    group = new_group(&gid);
    job = new_job(group, NULL);
    assert_hr(S_OK, add_files(job, 3, remote, local, NULL));
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    assert_true(wait_status(group, QM_STATUS_GROUP_COMPLETE, WAIT_MS));

    /* Complete: renamed into place, no temporary file left, suspended. */
    for (i = 0; i < 3; i++)
        assert_true(tu_check_pattern(dst[i], sizes[i], 10 + i));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    assert_int_equal(status_of(group), QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_SUSPENDED);
    assert_hr(S_OK, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
    assert_int_equal(status, QM_STATUS_JOB_COMPLETE);
    assert_int_equal(progress_of(group, QM_PROGRESS_PERCENT_DONE), 100);
    assert_int_equal(progress_of(group, QM_PROGRESS_SIZE_DONE), total);
    assert_hr(S_OK, IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_PERCENT_DONE, &value));
    assert_int_equal(value, 100);
    assert_hr(S_OK, IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_SIZE_DONE, &value));
    assert_int_equal(value, total);
    assert_hr(S_OK, IBackgroundCopyGroup_get_Size(group, &value));
    assert_int_equal(value, total);

    /* The modern view: the same job, acknowledged. */
    modern = modern_view(group);
    assert_hr(S_OK, IBackgroundCopyJob_GetState(modern, &state_));
    assert_int_equal(state_, BG_JOB_STATE_ACKNOWLEDGED);
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(modern, &mp));
    assert_int_equal(mp.BytesTransferred, total);
    assert_int_equal(mp.FilesTransferred, 3);
    IBackgroundCopyJob_Release(modern);

    /* A finished group stays in the queue, suspended, until cancelled. */
    assert_hr(S_OK, IBackgroundCopyGroup_SuspendGroup(group));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_ResumeGroup(group));
    assert_hr(QM_E_INVALID_STATE, add_file(job, src[0], dst[0]));
    assert_hr(QM_E_INVALID_STATE, IBackgroundCopyGroup_SwitchToForeground(group));
    assert_hr(QM_E_INVALID_STATE, set_str(group, GROUPPROP_DISPLAYNAME, L"done"));
    assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4, QM_NOTIFY_GROUP_DONE));
    assert_true(in_groups(&gid));
    assert_hr(S_OK, IBackgroundCopyQMgr_GetGroup(qmgr, gid, &got));
    IBackgroundCopyGroup_Release(got);

    /* Cancelling it keeps the files. */
    assert_hr(S_OK, IBackgroundCopyGroup_CancelGroup(group));
    assert_false(in_groups(&gid));
    for (i = 0; i < 3; i++) {
        assert_true(tu_check_pattern(dst[i], sizes[i], 10 + i));
        DeleteFileW(dst[i]);
        DeleteFileW(src[i]);
    }
    IBackgroundCopyJob1_Release(job);
    IBackgroundCopyGroup_Release(group);
}

/* CancelGroup keeps what was completely downloaded, drops the rest. The
 * callback suspends the group from its own FILE_DONE notification (or from
 * the first progress report), so the cut is at a known place. */
static void test_cancel_keeps_finished_files(void **state)
{
    WCHAR src[2][MAX_PATH], dst[2][MAX_PATH];
    const WCHAR *remote[2], *local[2];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    test_callback *cb;
    GUID gid;
    int i, round;

    (void)state;
    for (i = 0; i < 2; i++) {
        tu_path(src[i], MAX_PATH, L"cancel_%d.src", i);
        tu_path(dst[i], MAX_PATH, L"cancel_%d.dst", i);
        tu_make_file(src[i], (i + 1) * 8 * TU_MB, 20 + i);
        remote[i] = src[i];
        local[i] = dst[i];
    }
    for (round = 0; round < 2; round++) {
        group = new_group(&gid);
        cb = cb_new(&gid);
        if (round == 0) {
            /* Suspended right after file 0: file 0 kept, file 1 never made. */
            cb->suspend_on_file_done = TRUE;
            assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4, QM_NOTIFY_FILE_DONE));
        } else {
            /* Suspended inside file 0: nothing kept. */
            cb->suspend_on_progress = TRUE;
            assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSSIZE, VT_I4, 1));
        }
        assert_hr(S_OK, set_callback(group, cb));
        job = new_job(group, NULL);
        assert_hr(S_OK, add_files(job, 2, remote, local, NULL));
        assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
        assert_true(tu_wait_event(cb->ev_suspended, WAIT_MS));
        assert_true(wait_status(group, QM_STATUS_GROUP_SUSPENDED, WAIT_MS));
        assert_int_equal(status_of(group) & QM_STATUS_GROUP_COMPLETE, 0);
        if (round == 1) {
            DWORD size = progress_of(group, QM_PROGRESS_SIZE_DONE);
            assert_true(size > 0 && size < 8 * TU_MB);
        }
        assert_hr(S_OK, set_callback(group, NULL));
        assert_hr(S_OK, IBackgroundCopyGroup_CancelGroup(group));
        if (round == 0)
            assert_true(tu_check_pattern(dst[0], 8 * TU_MB, 20));
        else
            assert_false(tu_exists(dst[0]));
        assert_false(tu_exists(dst[1]));
        assert_int_equal(tu_count_temp_files(tu_dir()), 0);
        DeleteFileW(dst[0]);
        IBackgroundCopyJob1_Release(job);
        IBackgroundCopyGroup_Release(group);
        cb_free(cb);
    }
    DeleteFileW(src[0]);
    DeleteFileW(src[1]);
}

/* --- progress read from other threads ----------------------------------------- */

#define PROGRESS_SIZE (64 * TU_MB)

typedef struct reader {
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    DWORD total; /* the group's bytes */
    volatile LONG stop;
    ULONG reads, violations, partial;
    char first_violation[200];
} reader;

static void reader_violation(reader *r, const char *what, DWORD a, DWORD b)
{
    if (!r->violations++)
        snprintf(r->first_violation, sizeof(r->first_violation), "%s (%lu, %lu)", what,
                 (unsigned long)a, (unsigned long)b);
}

static DWORD WINAPI reader_main(void *arg)
{
    reader *r = arg;
    DWORD pct, size, jpct, jsize, last_pct = 0, last_size = 0, status, index;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    while (!r->stop) {
        if (FAILED(IBackgroundCopyGroup_GetProgress(r->group, QM_PROGRESS_PERCENT_DONE, &pct)) ||
            FAILED(IBackgroundCopyGroup_GetProgress(r->group, QM_PROGRESS_SIZE_DONE, &size)) ||
            FAILED(IBackgroundCopyJob1_GetProgress(r->job, QM_PROGRESS_PERCENT_DONE, &jpct)) ||
            FAILED(IBackgroundCopyJob1_GetProgress(r->job, QM_PROGRESS_SIZE_DONE, &jsize))) {
            reader_violation(r, "GetProgress failed", 0, 0);
            break;
        }
        r->reads++;
        if (pct > 100 || jpct > 100)
            reader_violation(r, "percent above 100", pct, jpct);
        if (pct < last_pct || jpct < pct)
            reader_violation(r, "percent went back", last_pct, pct);
        if (size < last_size || jsize < size)
            reader_violation(r, "size went back", last_size, size);
        if (size > r->total || jsize > r->total)
            reader_violation(r, "size past the files", size, jsize);
        if (pct == 100) {
            /* 100 only when complete: and complete is for good. */
            if (FAILED(IBackgroundCopyGroup_GetStatus(r->group, &status, &index)) ||
                !(status & QM_STATUS_GROUP_COMPLETE))
                reader_violation(r, "100 percent before complete", pct, status);
        }
        if (size > 0 && size < r->total)
            r->partial++;
        last_pct = pct;
        last_size = size;
    }
    CoUninitialize();
    return 0;
}

static void test_progress_from_threads(void **state)
{
    WCHAR src[MAX_PATH], dst[MAX_PATH];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    test_callback *cb;
    reader r = {0};
    HANDLE thread, hold;
    DWORD pct, size;
    GUID gid;

    (void)state;
    tu_path(src, MAX_PATH, L"progress.src");
    tu_path(dst, MAX_PATH, L"progress.dst");
    tu_make_file(src, PROGRESS_SIZE, 30);
    group = new_group(&gid);
    job = new_job(group, NULL);
    assert_hr(S_OK, add_file(job, src, dst));
    /* The first progress report holds the worker mid-file while this thread
     * looks: a partial value is seen for sure, not by luck. */
    cb = cb_new(&gid);
    hold = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb->hold_progress = hold;
    assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSSIZE, VT_I4, 1));
    assert_hr(S_OK, set_callback(group, cb));

    r.group = group;
    r.job = job;
    r.total = PROGRESS_SIZE;
    thread = CreateThread(NULL, 0, reader_main, &r, 0, NULL);
    assert_non_null(thread);
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    assert_true(tu_wait_event(cb->ev_progress, WAIT_MS));
    pct = progress_of(group, QM_PROGRESS_PERCENT_DONE);
    size = progress_of(group, QM_PROGRESS_SIZE_DONE);
    print_message("held at %lu bytes, %lu%%\n", (unsigned long)size, (unsigned long)pct);
    assert_true(size > 0 && size < PROGRESS_SIZE);
    assert_true(pct < 100);
    assert_int_equal(pct, (DWORD)((UINT64)size * 100 / PROGRESS_SIZE));
    assert_int_equal(status_of(group), QM_STATUS_GROUP_INCOMPLETE);
    SetEvent(hold);

    assert_true(wait_status(group, QM_STATUS_GROUP_COMPLETE, WAIT_MS));
    r.stop = 1;
    assert_int_equal(WaitForSingleObject(thread, WAIT_MS), WAIT_OBJECT_0);
    CloseHandle(thread);
    print_message("%lu reads from a second thread, %lu partial\n", r.reads, r.partial);
    if (r.violations)
        print_error("first violation: %s\n", r.first_violation);
    assert_int_equal(r.violations, 0);
    assert_true(r.partial > 0);
    assert_int_equal(progress_of(group, QM_PROGRESS_PERCENT_DONE), 100);
    assert_int_equal(progress_of(group, QM_PROGRESS_SIZE_DONE), PROGRESS_SIZE);
    assert_true(tu_check_pattern(dst, PROGRESS_SIZE, 30));

    assert_hr(S_OK, set_callback(group, NULL));
    IBackgroundCopyJob1_Release(job);
    cancel_and_release(group);
    cb_free(cb);
    CloseHandle(hold);
    DeleteFileW(src);
    DeleteFileW(dst);
}

/* --- IBackgroundCopyCallback1 --------------------------------------------------- */

/* Every notification, as often as possible: FILE_DONE, JOB_DONE and
 * GROUP_DONE, OnProgress for every percent and every byte (the first chunk
 * is always reported), at most every millisecond (the engine's floor). */
static void notify_everything(IBackgroundCopyGroup *group)
{
    IBackgroundCopyJob *modern;
    IBackgroundCopyJob5 *job5;
    BITS_JOB_PROPERTY_VALUE interval;

    assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4,
                            QM_NOTIFY_FILE_DONE | QM_NOTIFY_JOB_DONE | QM_NOTIFY_GROUP_DONE));
    assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSPERCENT, VT_I4, 1));
    assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSSIZE, VT_I4, 1));
    modern = modern_view(group);
    job5 = tu_qi(modern, &IID_IBackgroundCopyJob5);
    interval.Dword = 1;
    assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS,
                                                    interval));
    IBackgroundCopyJob5_Release(job5);
    IBackgroundCopyJob_Release(modern);
}

/* The calls a group with notify_everything() got, `files` files and `total`
 * bytes: progress (rising, below 100) and FILE_DONE 0 .. files-1
 * interleaved; then progress 100, JOB_DONE, GROUP_DONE last (once). */
static void check_sequence(test_callback *cb, DWORD files, DWORD total)
{
    DWORD last_pct = 0, next_file = 0, last_size = 0, mid_size = 0;
    BOOL seen_100 = FALSE, seen_job_done = FALSE;
    cb_event *ev;
    LONG i;

    EnterCriticalSection(&cb->cs);
    print_message("%ld callbacks\n", cb->count);
    assert_true(cb->count >= (LONG)files + 5);
    for (i = 0; i < cb->count; i++) {
        ev = &cb->events[i];
        assert_true(ev->group_ok);
        if (ev->kind == EV_PROGRESS && ev->type == QM_PROGRESS_SIZE_DONE) {
            assert_false(seen_job_done);
            assert_true(ev->value > last_size);
            assert_true(ev->value <= total);
            /* Bytes may reach the total before the last FILE_DONE: every
             * byte is in, the group is not complete yet (percent stays 99). */
            if (ev->value < total)
                mid_size++;
            last_size = ev->value;
            continue;
        }
        if (ev->kind == EV_PROGRESS) {
            assert_false(seen_job_done);
            assert_int_equal(ev->type, QM_PROGRESS_PERCENT_DONE);
            assert_true(ev->value >= last_pct);
            assert_true(ev->value <= 100);
            if (ev->value == 100) {
                seen_100 = TRUE;
                assert_int_equal(next_file, files); /* only after every file */
            }
            last_pct = ev->value;
            continue;
        }
        assert_int_equal(ev->kind, EV_STATUS);
        if (ev->status & QM_STATUS_FILE_COMPLETE) {
            assert_false(seen_100);
            assert_int_equal(ev->file, next_file);
            assert_true(ev->has_job);
            assert_int_equal(ev->status, QM_STATUS_FILE_COMPLETE | QM_STATUS_JOB_INCOMPLETE |
                                             QM_STATUS_GROUP_INCOMPLETE);
            next_file++;
        } else if (ev->status & QM_STATUS_JOB_COMPLETE) {
            assert_true(seen_100);
            assert_true(ev->has_job);
            assert_int_equal(ev->file, (DWORD)-1);
            assert_int_equal(ev->status, QM_STATUS_JOB_COMPLETE | QM_STATUS_GROUP_COMPLETE |
                                             QM_STATUS_GROUP_SUSPENDED);
            seen_job_done = TRUE;
        } else {
            /* GROUP_DONE: the last call, files already in place. */
            assert_int_equal(i, cb->count - 1);
            assert_true(seen_job_done);
            assert_false(ev->has_job);
            assert_int_equal(ev->file, (DWORD)-1);
            assert_int_equal(ev->status, QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_SUSPENDED);
            assert_true(ev->files_present);
        }
    }
    assert_int_equal(next_file, files);
    assert_true(seen_100);
    assert_int_equal(last_size, total);
    assert_true(mid_size >= 1);
    LeaveCriticalSection(&cb->cs);
    assert_int_equal(cb->group_done_calls, 1);
}

static void test_callback_sequence(void **state)
{
    static const UINT64 sizes[3] = {4 * TU_MB, 512 * 1024, 6 * TU_MB};
    WCHAR src[3][MAX_PATH], dst[3][MAX_PATH];
    const WCHAR *remote[3], *local[3];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    test_callback *cb;
    DWORD total = 0;
    GUID gid;
    LONG i;

    (void)state;
    for (i = 0; i < 3; i++) {
        tu_path(src[i], MAX_PATH, L"seq_%ld.src", i);
        tu_path(dst[i], MAX_PATH, L"seq_%ld.dst", i);
        tu_make_file(src[i], sizes[i], 40 + i);
        remote[i] = src[i];
        local[i] = dst[i];
        total += (DWORD)sizes[i];
    }
    group = new_group(&gid);
    cb = cb_new(&gid);
    for (i = 0; i < 3; i++)
        cb->expect_files[i] = dst[i];
    assert_hr(S_OK, set_callback(group, cb));
    notify_everything(group);
    job = new_job(group, NULL);
    assert_hr(S_OK, add_files(job, 3, remote, local, NULL));
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    assert_true(tu_wait_event(cb->ev_done, WAIT_MS));
    assert_hr(S_OK, set_callback(group, NULL));
    check_sequence(cb, 3, total);

    for (i = 0; i < 3; i++) {
        assert_true(tu_check_pattern(dst[i], sizes[i], 40 + i));
        DeleteFileW(dst[i]);
        DeleteFileW(src[i]);
    }
    IBackgroundCopyJob1_Release(job);
    cancel_and_release(group);
    cb_free(cb);
}

/* QM_NOTIFY_USE_PROGRESSEX: OnProgressEx instead of OnProgress, bytes
 * reported by GROUPPROP_PROGRESSSIZE steps. */
static void test_callback_progressex(void **state)
{
    WCHAR src[MAX_PATH], dst[MAX_PATH];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    test_callback *cb;
    DWORD last = 0;
    GUID gid;
    LONG i, progress = 0;

    (void)state;
    tu_path(src, MAX_PATH, L"ex.src");
    tu_path(dst, MAX_PATH, L"ex.dst");
    tu_make_file(src, 5 * TU_MB, 50);
    group = new_group(&gid);
    cb = cb_new(&gid);
    assert_hr(S_OK, set_callback(group, cb));
    assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_UI4, QM_NOTIFY_GROUP_DONE | QM_NOTIFY_USE_PROGRESSEX));
    assert_hr(S_OK, set_int(group, GROUPPROP_PROGRESSSIZE, VT_I4, TU_MB));
    job = new_job(group, NULL);
    assert_hr(S_OK, add_file(job, src, dst));
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    assert_true(tu_wait_event(cb->ev_done, WAIT_MS));
    assert_hr(S_OK, set_callback(group, NULL));

    EnterCriticalSection(&cb->cs);
    for (i = 0; i < cb->count; i++) {
        cb_event *ev = &cb->events[i];
        assert_int_not_equal(ev->kind, EV_PROGRESS);
        if (ev->kind != EV_PROGRESSEX)
            continue;
        progress++;
        assert_int_equal(ev->type, QM_PROGRESS_SIZE_DONE);
        assert_true(ev->no_bytes);
        assert_true(ev->has_job);
        assert_true(ev->value > last);
        assert_true(ev->value - last >= TU_MB || ev->value == 5 * TU_MB);
        last = ev->value;
    }
    LeaveCriticalSection(&cb->cs);
    assert_true(progress >= 1);
    assert_int_equal(last, 5 * TU_MB); /* the end is always reported */

    IBackgroundCopyJob1_Release(job);
    cancel_and_release(group);
    cb_free(cb);
    DeleteFileW(src);
    DeleteFileW(dst);
}

/* OnStatus is called again until it answers S_OK; a new listener makes the
 * next try happen at once. */
static void test_callback_retried(void **state)
{
    WCHAR src[MAX_PATH], dst[MAX_PATH];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    test_callback *cb;
    GUID gid;

    (void)state;
    tu_path(src, MAX_PATH, L"retry.src");
    tu_path(dst, MAX_PATH, L"retry.dst");
    tu_make_file(src, 100000, 60);
    group = new_group(&gid);
    cb = cb_new(&gid);
    cb->fail_group_done = 1;
    assert_hr(S_OK, set_callback(group, cb));
    assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4, QM_NOTIFY_GROUP_DONE));
    job = new_job(group, NULL);
    assert_hr(S_OK, add_file(job, src, dst));
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    assert_true(tu_wait_event(cb->ev_group_done_call, WAIT_MS));
    /* The first call failed: the group is complete all the same. */
    assert_int_equal(status_of(group), QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_SUSPENDED);
    assert_hr(S_OK, set_callback(group, cb));
    assert_true(tu_wait_event(cb->ev_done, WAIT_MS));
    assert_int_equal(cb->group_done_calls, 2);
    assert_hr(S_OK, set_callback(group, NULL));

    IBackgroundCopyJob1_Release(job);
    cancel_and_release(group);
    cb_free(cb);
    DeleteFileW(src);
    DeleteFileW(dst);
}

/* A modern listener on the same work, used to know that the QM error
 * notification has been dealt with (it is always called after it). */
typedef struct modern_listener {
    IBackgroundCopyCallback IBackgroundCopyCallback_iface;
    LONG refs;
    HANDLE ev_error;
} modern_listener;

static modern_listener *impl_from_modern(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, modern_listener, IBackgroundCopyCallback_iface);
}

static HRESULT WINAPI ml_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *out = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI ml_AddRef(IBackgroundCopyCallback *iface)
{
    return InterlockedIncrement(&impl_from_modern(iface)->refs);
}

static ULONG WINAPI ml_Release(IBackgroundCopyCallback *iface)
{
    return InterlockedDecrement(&impl_from_modern(iface)->refs);
}

static HRESULT WINAPI ml_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    (void)iface;
    (void)job;
    return S_OK;
}

static HRESULT WINAPI ml_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                  IBackgroundCopyError *error)
{
    (void)job;
    (void)error;
    SetEvent(impl_from_modern(iface)->ev_error);
    return S_OK;
}

static HRESULT WINAPI ml_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job, DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl ml_vtbl = {
    ml_QueryInterface, ml_AddRef, ml_Release, ml_JobTransferred, ml_JobError, ml_JobModification,
};

/* Errors are reported by default (flags 0), with the Win32 result; a group
 * in error is suspended; ResumeGroup starts it again. DISABLE_NOTIFY
 * silences the report. */
static void test_callback_error(void **state)
{
    WCHAR src[MAX_PATH], dst[MAX_PATH];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    IBackgroundCopyJob *modern;
    modern_listener *ml = calloc(1, sizeof(*ml));
    ULONGLONG end;
    test_callback *cb;
    cb_event *ev;
    DWORD status, win32, transport, retries;
    GUID gid;
    int round;

    (void)state;
    tu_path(src, MAX_PATH, L"error.src");
    tu_path(dst, MAX_PATH, L"error.dst");
    assert_non_null(ml);
    ml->IBackgroundCopyCallback_iface.lpVtbl = &ml_vtbl;
    ml->refs = 1;
    ml->ev_error = CreateEventW(NULL, FALSE, FALSE, NULL);
    for (round = 0; round < 2; round++) {
        DeleteFileW(src);
        group = new_group(&gid);
        cb = cb_new(&gid);
        assert_hr(S_OK, set_callback(group, cb));
        if (round == 1)
            assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4,
                                    QM_NOTIFY_DISABLE_NOTIFY | QM_NOTIFY_GROUP_DONE));
        modern = modern_view(group);
        assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(modern, (IUnknown *)&ml->IBackgroundCopyCallback_iface));
        job = new_job(group, NULL);
        assert_hr(S_OK, add_file(job, src, dst));
        assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
        assert_true(tu_wait_event(ml->ev_error, WAIT_MS));
        assert_int_equal(status_of(group), QM_STATUS_GROUP_ERROR | QM_STATUS_GROUP_SUSPENDED);
        assert_hr(S_OK, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
        assert_int_equal(status, QM_STATUS_JOB_ERROR);
        assert_int_equal(win32, ERROR_FILE_NOT_FOUND);
        assert_int_equal(transport, 0);
        assert_int_equal(retries, 0);
        assert_int_equal(progress_of(group, QM_PROGRESS_PERCENT_DONE), 0);

        EnterCriticalSection(&cb->cs);
        if (round == 0) {
            assert_int_equal(cb->count, 1);
            ev = &cb->events[0];
            assert_int_equal(ev->kind, EV_STATUS);
            assert_int_equal(ev->status, QM_STATUS_GROUP_ERROR | QM_STATUS_GROUP_SUSPENDED);
            assert_int_equal(ev->file, 0);
            assert_true(ev->has_job);
            assert_true(ev->group_ok);
            assert_int_equal(ev->win32, ERROR_FILE_NOT_FOUND);
            assert_int_equal(ev->transport, 0);
            assert_int_equal(ev->retries, 0);
        } else {
            assert_int_equal(cb->count, 0); /* DISABLE_NOTIFY */
        }
        LeaveCriticalSection(&cb->cs);

        /* The source appears: ResumeGroup restarts the group in error. */
        tu_make_file(src, 4096, 70);
        assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
        assert_true(wait_status(group, QM_STATUS_GROUP_COMPLETE, WAIT_MS));
        assert_true(tu_check_pattern(dst, 4096, 70));
        assert_hr(S_OK, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
        assert_int_equal(status, QM_STATUS_JOB_COMPLETE);
        assert_int_equal(win32, 0);

        /* Acknowledged now: the job's listener is fixed (BG_E_INVALID_STATE). */
        assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_SetNotifyInterface(modern, NULL));
        IBackgroundCopyJob_Release(modern);
        assert_hr(S_OK, set_callback(group, NULL));
        IBackgroundCopyJob1_Release(job);
        cancel_and_release(group);
        cb_free(cb);
        DeleteFileW(dst);
    }
    /* The engine lets go of the listener when the jobs are freed. */
    end = tu_ms() + WAIT_MS;
    while (InterlockedCompareExchange(&ml->refs, 0, 0) > 1 && tu_ms() < end)
        Sleep(1);
    assert_int_equal(ml->refs, 1);
    CloseHandle(ml->ev_error);
    free(ml);
    DeleteFileW(src);
}

/* GROUPPROP_NOTIFYCLSID: QMGR makes a new object of that class in this
 * process for each notification. The class is registered here with
 * CoRegisterClassObject. */
static const CLSID CLSID_TestQmCallback = {0x3b4d7a52, 0x0f61, 0x4c1e, {0x9a, 0x7e, 0x52, 0x11, 0xc4, 0x86, 0x2d, 0x90}};

typedef struct test_factory {
    IClassFactory IClassFactory_iface;
    test_callback *cb;
    volatile LONG created;
} test_factory;

static HRESULT WINAPI tf_QueryInterface(IClassFactory *iface, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        *out = iface;
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI tf_AddRef(IClassFactory *iface)
{
    (void)iface;
    return 2;
}

static ULONG WINAPI tf_Release(IClassFactory *iface)
{
    (void)iface;
    return 1;
}

static HRESULT WINAPI tf_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid, void **out)
{
    test_factory *f = CONTAINING_RECORD(iface, test_factory, IClassFactory_iface);

    if (outer)
        return CLASS_E_NOAGGREGATION;
    InterlockedIncrement(&f->created);
    return IBackgroundCopyCallback1_QueryInterface(&f->cb->IBackgroundCopyCallback1_iface, riid, out);
}

static HRESULT WINAPI tf_LockServer(IClassFactory *iface, BOOL lock)
{
    (void)iface;
    (void)lock;
    return S_OK;
}

static const IClassFactoryVtbl tf_vtbl = {
    tf_QueryInterface, tf_AddRef, tf_Release, tf_CreateInstance, tf_LockServer,
};

static void test_callback_by_clsid(void **state)
{
    WCHAR src[MAX_PATH], dst[MAX_PATH], clsid[40];
    test_factory factory = {{&tf_vtbl}, NULL, 0};
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    DWORD cookie;
    GUID gid;

    (void)state;
    tu_path(src, MAX_PATH, L"clsid.src");
    tu_path(dst, MAX_PATH, L"clsid.dst");
    tu_make_file(src, 300000, 80);
    group = new_group(&gid);
    factory.cb = cb_new(&gid);
    assert_hr(S_OK, CoRegisterClassObject(&CLSID_TestQmCallback, (IUnknown *)&factory.IClassFactory_iface,
                                          CLSCTX_INPROC_SERVER, REGCLS_MULTIPLEUSE, &cookie));
    StringFromGUID2(&CLSID_TestQmCallback, clsid, ARRAYSIZE(clsid));
    assert_hr(S_OK, set_str(group, GROUPPROP_NOTIFYCLSID, clsid));
    assert_hr(S_OK, set_int(group, GROUPPROP_NOTIFYFLAGS, VT_I4, QM_NOTIFY_GROUP_DONE));
    job = new_job(group, NULL);
    assert_hr(S_OK, add_file(job, src, dst));
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    assert_true(tu_wait_event(factory.cb->ev_done, WAIT_MS));
    assert_true(factory.created >= 1);
    assert_true(tu_check_pattern(dst, 300000, 80));
    assert_hr(S_OK, CoRevokeClassObject(cookie));

    IBackgroundCopyJob1_Release(job);
    cancel_and_release(group);
    cb_free(factory.cb);
    DeleteFileW(src);
    DeleteFileW(dst);
}

/* --- groups over HTTP and HTTPS ------------------------------------------------- */

/* The nginx fixture (see http_util.h): http://127.0.0.1:port/name, or
 * https://localhost:port/name with the test CA trusted in the prefix. */
static WCHAR *nginx_url(WCHAR *out, size_t cap, BOOL tls, const WCHAR *name)
{
    swprintf(out, cap, L"%ls://%ls:%u/%ls", tls ? L"https" : L"http", tls ? L"localhost" : L"127.0.0.1",
             tls ? ht.nginx_https : ht.nginx_http, name);
    return out;
}

static void need_servers(void)
{
    if (!ht_init()) {
        print_error("the HTTP tests need the nginx fixture: run test_qmgr through ctest\n");
        fail();
    }
}

#define HTTP_FILES 4

/* One group: a file over HTTP, a local file, one over HTTPS and an empty
 * one over HTTP. Progress is read as percent and size from a second thread
 * the whole time, the first progress report holds the worker so a partial
 * value is seen for sure, every notification is recorded, and the results
 * are compared byte for byte with what nginx served. */
static void test_transfer_http(void **state)
{
    static const UINT64 sizes[HTTP_FILES] = {6 * TU_MB + 1, TU_MB + 3, 3 * TU_MB + 5, 0};
    static const WCHAR *const names[HTTP_FILES] = {L"qmgr-http-0.bin", NULL, L"qmgr-https-2.bin",
                                                   L"qmgr-http-empty.bin"};
    WCHAR src[HTTP_FILES][MAX_PATH], dst[HTTP_FILES][MAX_PATH], url[HTTP_FILES][512];
    const WCHAR *remote[HTTP_FILES], *local[HTTP_FILES];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    IBackgroundCopyJob *modern;
    FILESETINFO info;
    BG_JOB_PROGRESS mp;
    test_callback *cb;
    reader r = {0};
    HANDLE thread, hold;
    DWORD pct, size, status, win32, transport, retries, total = 0;
    GUID gid;
    int i;

    (void)state;
    need_servers();
    for (i = 0; i < HTTP_FILES; i++) {
        if (names[i]) {
            ht_make(src[i], MAX_PATH, names[i], sizes[i], 90 + i);
            remote[i] = nginx_url(url[i], 512, i == 2, names[i]);
        } else {
            tu_path(src[i], MAX_PATH, L"http_group_%d.src", i);
            tu_make_file(src[i], sizes[i], 90 + i);
            remote[i] = src[i];
        }
        tu_path(dst[i], MAX_PATH, L"http_group_%d.dst", i);
        DeleteFileW(dst[i]);
        local[i] = dst[i];
        total += (DWORD)sizes[i];
    }
    group = new_group(&gid);
    cb = cb_new(&gid);
    for (i = 0; i < HTTP_FILES; i++)
        cb->expect_files[i] = dst[i];
    hold = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb->hold_progress = hold;
    assert_hr(S_OK, set_callback(group, cb));
    notify_everything(group);
    job = new_job(group, NULL);
    assert_hr(S_OK, add_files(job, HTTP_FILES, remote, local, NULL));
    /* The job keeps the URLs as given. */
    assert_hr(S_OK, IBackgroundCopyJob1_GetFile(job, 2, &info));
    assert_wstr_equal(info.bstrRemoteFile, remote[2]);
    assert_wstr_equal(info.bstrLocalFile, local[2]);
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);

    r.group = group;
    r.job = job;
    r.total = total;
    thread = CreateThread(NULL, 0, reader_main, &r, 0, NULL);
    assert_non_null(thread);
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));

    /* Held inside the first HTTP file: running, partly done. */
    assert_true(tu_wait_event(cb->ev_progress, WAIT_MS));
    pct = progress_of(group, QM_PROGRESS_PERCENT_DONE);
    size = progress_of(group, QM_PROGRESS_SIZE_DONE);
    print_message("held at %lu bytes, %lu%%\n", (unsigned long)size, (unsigned long)pct);
    assert_true(size > 0 && size < sizes[0]);
    assert_true(pct < 100);
    assert_int_equal(status_of(group), QM_STATUS_GROUP_INCOMPLETE);
    assert_hr(S_OK, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
    assert_int_equal(status, QM_STATUS_JOB_INCOMPLETE);
    assert_int_equal(win32, 0);
    assert_int_equal(transport, 0);
    SetEvent(hold);

    assert_true(tu_wait_event(cb->ev_done, WAIT_MS));
    r.stop = 1;
    assert_int_equal(WaitForSingleObject(thread, WAIT_MS), WAIT_OBJECT_0);
    CloseHandle(thread);
    print_message("%lu reads from a second thread, %lu partial\n", r.reads, r.partial);
    if (r.violations)
        print_error("first violation: %s\n", r.first_violation);
    assert_int_equal(r.violations, 0);
    assert_true(r.partial > 0);
    assert_hr(S_OK, set_callback(group, NULL));
    check_sequence(cb, HTTP_FILES, total);

    /* Complete: every file byte for byte, nothing temporary left. */
    assert_int_equal(status_of(group), QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_SUSPENDED);
    assert_hr(S_OK, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
    assert_int_equal(status, QM_STATUS_JOB_COMPLETE);
    assert_int_equal(win32, 0);
    assert_int_equal(transport, 0);
    assert_int_equal(retries, 0);
    assert_int_equal(progress_of(group, QM_PROGRESS_PERCENT_DONE), 100);
    assert_int_equal(progress_of(group, QM_PROGRESS_SIZE_DONE), total);
    assert_hr(S_OK, IBackgroundCopyGroup_get_Size(group, &size));
    assert_int_equal(size, total);
    modern = modern_view(group);
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(modern, &mp));
    assert_int_equal(mp.BytesTotal, total);
    assert_int_equal(mp.BytesTransferred, total);
    assert_int_equal(mp.FilesTransferred, HTTP_FILES);
    IBackgroundCopyJob_Release(modern);
    for (i = 0; i < HTTP_FILES; i++) {
        if (!tu_files_equal(dst[i], src[i])) {
            print_error("%ls differs from %ls (%llu and %llu bytes)\n", dst[i], src[i],
                        (unsigned long long)tu_file_size(dst[i]), (unsigned long long)tu_file_size(src[i]));
            fail();
        }
    }
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);

    IBackgroundCopyJob1_Release(job);
    cancel_and_release(group);
    cb_free(cb);
    CloseHandle(hold);
    for (i = 0; i < HTTP_FILES; i++) {
        DeleteFileW(dst[i]);
        DeleteFileW(src[i]);
    }
}

/* A group whose second file is not on the server: the group stops in error
 * (suspended), GetStatus gives BG_E_HTTP_ERROR_404 as the Win32 result (it
 * is not a Win32 code, so the HRESULT itself) and the HTTP status 404 as
 * the transport result, OnStatus says the same with the file's index. Once
 * the file is there, ResumeGroup finishes the group. */
static void test_transfer_http_404(void **state)
{
    WCHAR src[2][MAX_PATH], dst[2][MAX_PATH], url[2][512];
    const WCHAR *remote[2], *local[2];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job;
    IBackgroundCopyJob *modern;
    BG_ERROR_CONTEXT context;
    test_callback *cb;
    cb_event ev;
    DWORD status, win32, transport, retries;
    LONG count;
    HRESULT hr;
    GUID gid;
    int i;

    (void)state;
    need_servers();
    ht_make(src[0], MAX_PATH, L"qmgr-404-ok.bin", 2 * TU_MB + 9, 95);
    swprintf(src[1], MAX_PATH, L"%ls\\qmgr-404-missing.bin", ht.www);
    DeleteFileW(src[1]);
    remote[0] = nginx_url(url[0], 512, FALSE, L"qmgr-404-ok.bin");
    remote[1] = nginx_url(url[1], 512, FALSE, L"qmgr-404-missing.bin");
    for (i = 0; i < 2; i++) {
        tu_path(dst[i], MAX_PATH, L"http_404_%d.dst", i);
        DeleteFileW(dst[i]);
        local[i] = dst[i];
    }
    group = new_group(&gid);
    cb = cb_new(&gid);
    assert_hr(S_OK, set_callback(group, cb)); /* errors are reported by default */
    job = new_job(group, NULL);
    assert_hr(S_OK, add_files(job, 2, remote, local, NULL));
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    assert_true(tu_wait_event(cb->ev_error, WAIT_MS));

    assert_int_equal(status_of(group), QM_STATUS_GROUP_ERROR | QM_STATUS_GROUP_SUSPENDED);
    assert_hr(S_OK, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
    assert_int_equal(status, QM_STATUS_JOB_ERROR);
    assert_int_equal(win32, (DWORD)BG_E_HTTP_ERROR_404);
    assert_int_equal(transport, 404);
    assert_int_equal(retries, 0);
    /* The first file is in; the group is not complete. */
    assert_int_equal(progress_of(group, QM_PROGRESS_SIZE_DONE), 2 * TU_MB + 9);
    assert_true(progress_of(group, QM_PROGRESS_PERCENT_DONE) < 100);
    assert_false(tu_exists(dst[0]));
    assert_false(tu_exists(dst[1]));

    EnterCriticalSection(&cb->cs);
    count = cb->count;
    ev = cb->events[0];
    LeaveCriticalSection(&cb->cs);
    assert_int_equal(count, 1);
    assert_int_equal(ev.kind, EV_STATUS);
    assert_int_equal(ev.status, QM_STATUS_GROUP_ERROR | QM_STATUS_GROUP_SUSPENDED);
    assert_int_equal(ev.file, 1);
    assert_true(ev.has_job);
    assert_true(ev.group_ok);
    assert_int_equal(ev.win32, (DWORD)BG_E_HTTP_ERROR_404);
    assert_int_equal(ev.transport, 404);
    assert_int_equal(ev.retries, 0);

    /* The modern view of the same work: the remote file's 404. */
    modern = modern_view(group);
    ht_error(modern, &hr, &context);
    assert_hr(BG_E_HTTP_ERROR_404, hr);
    assert_int_equal(context, BG_ERROR_CONTEXT_REMOTE_FILE);
    IBackgroundCopyJob_Release(modern);

    /* The file appears on the server: ResumeGroup finishes the group. */
    tu_make_file(src[1], 300001, 96);
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    assert_true(wait_status(group, QM_STATUS_GROUP_COMPLETE, WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
    assert_int_equal(status, QM_STATUS_JOB_COMPLETE);
    assert_int_equal(win32, 0);
    assert_int_equal(transport, 0);
    assert_int_equal(progress_of(group, QM_PROGRESS_PERCENT_DONE), 100);
    assert_int_equal(progress_of(group, QM_PROGRESS_SIZE_DONE), 2 * TU_MB + 9 + 300001);
    for (i = 0; i < 2; i++)
        assert_true(tu_files_equal(dst[i], src[i]));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);

    assert_hr(S_OK, set_callback(group, NULL));
    IBackgroundCopyJob1_Release(job);
    cancel_and_release(group);
    cb_free(cb);
    for (i = 0; i < 2; i++) {
        DeleteFileW(dst[i]);
        DeleteFileW(src[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activation),
        cmocka_unit_test(test_groups_create_get_enum),
        cmocka_unit_test(test_enum_groups),
        cmocka_unit_test(test_group_props),
        cmocka_unit_test(test_group_methods),
        cmocka_unit_test(test_job1_methods),
        cmocka_unit_test(test_transfer_local),
        cmocka_unit_test(test_cancel_keeps_finished_files),
        cmocka_unit_test(test_progress_from_threads),
        cmocka_unit_test(test_callback_sequence),
        cmocka_unit_test(test_callback_progressex),
        cmocka_unit_test(test_callback_retried),
        cmocka_unit_test(test_callback_error),
        cmocka_unit_test(test_callback_by_clsid),
        cmocka_unit_test(test_transfer_http),
        cmocka_unit_test(test_transfer_http_404),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
