/* IBackgroundCopyManager through the registry: CreateJob, GetJob, EnumJobs
 * and GetErrorDescription, with their documented refusals.
 *
 * SPDX-License-Identifier: MIT
 */
#include <winsock2.h>

#include "testutil.h"

static IBackgroundCopyManager *mgr;

static int setup(void **state)
{
    (void)state;
    mgr = tu_manager();
    return 0;
}

static int teardown(void **state)
{
    IBackgroundCopyManager_Release(mgr);
    mgr = NULL;
    return tu_cancel_all_jobs(state);
}

static ULONG job_count(void)
{
    IEnumBackgroundCopyJobs *e = NULL;
    ULONG n = 0;

    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &e));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_GetCount(e, &n));
    IEnumBackgroundCopyJobs_Release(e);
    return n;
}

static void test_create_job_bad_args(void **state)
{
    IBackgroundCopyJob *job = (IBackgroundCopyJob *)(ULONG_PTR)1;
    GUID id;
    WCHAR long_name[300];
    ULONG base = job_count();

    (void)state;
    assert_null_arg(IBackgroundCopyManager_CreateJob(mgr, L"x", BG_JOB_TYPE_DOWNLOAD, &id, NULL));
    assert_null_arg(IBackgroundCopyManager_CreateJob(mgr, L"x", BG_JOB_TYPE_DOWNLOAD, NULL, &job));
    job = (IBackgroundCopyJob *)(ULONG_PTR)1;
    assert_null_arg(IBackgroundCopyManager_CreateJob(mgr, NULL, BG_JOB_TYPE_DOWNLOAD, &id, &job));
    assert_null(job);

    /* Upload jobs do not exist yet: refused with E_NOTIMPL, no job made. */
    assert_hr(E_NOTIMPL, IBackgroundCopyManager_CreateJob(mgr, L"up", BG_JOB_TYPE_UPLOAD, &id, &job));
    assert_null(job);
    assert_hr(E_NOTIMPL,
              IBackgroundCopyManager_CreateJob(mgr, L"up", BG_JOB_TYPE_UPLOAD_REPLY, &id, &job));
    assert_null(job);
    assert_hr(E_INVALIDARG, IBackgroundCopyManager_CreateJob(mgr, L"bad", (BG_JOB_TYPE)7, &id, &job));
    assert_null(job);

    /* A display name longer than 256 characters. */
    wmemset(long_name, L'n', 299);
    long_name[299] = 0;
    assert_hr(E_INVALIDARG,
              IBackgroundCopyManager_CreateJob(mgr, long_name, BG_JOB_TYPE_DOWNLOAD, &id, &job));
    assert_null(job);
    assert_int_equal(job_count(), base);
}

static void test_create_job(void **state)
{
    IBackgroundCopyJob *job;
    BG_JOB_TYPE type;
    GUID id, got;
    LPWSTR name = NULL;
    BG_JOB_PROGRESS p;

    (void)state;
    memset(&id, 0, sizeof(id));
    job = tu_create_job(mgr, L"manager test job", &id);
    assert_false(IsEqualGUID(&id, &GUID_NULL));
    assert_hr(S_OK, IBackgroundCopyJob_GetId(job, &got));
    assert_true(IsEqualGUID(&id, &got));
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    assert_hr(S_OK, IBackgroundCopyJob_GetType(job, &type));
    assert_int_equal(type, BG_JOB_TYPE_DOWNLOAD);
    assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(job, &name));
    assert_wstr_equal(name, L"manager test job");
    CoTaskMemFree(name);
    /* An empty job: all zeros. */
    p = tu_progress(job);
    assert_true(p.BytesTotal == 0);
    assert_true(p.BytesTransferred == 0);
    assert_int_equal(p.FilesTotal, 0);
    assert_int_equal(p.FilesTransferred, 0);

    /* An empty name is a name. */
    {
        IBackgroundCopyJob *empty = tu_create_job(mgr, L"", NULL);
        assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(empty, &name));
        assert_wstr_equal(name, L"");
        CoTaskMemFree(name);
        assert_hr(S_OK, IBackgroundCopyJob_Cancel(empty));
        IBackgroundCopyJob_Release(empty);
    }

    /* Two jobs never share an id. */
    {
        GUID id2;
        IBackgroundCopyJob *other = tu_create_job(mgr, L"other", &id2);
        assert_false(IsEqualGUID(&id, &id2));
        assert_hr(S_OK, IBackgroundCopyJob_Cancel(other));
        IBackgroundCopyJob_Release(other);
    }
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_get_job(void **state)
{
    IBackgroundCopyJob *job, *found = (IBackgroundCopyJob *)(ULONG_PTR)1;
    GUID id, got, unknown;
    LPWSTR name = NULL;

    (void)state;
    CoCreateGuid(&unknown);
    assert_hr(BG_E_NOT_FOUND, IBackgroundCopyManager_GetJob(mgr, &unknown, &found));
    assert_null(found);
    assert_null_arg(IBackgroundCopyManager_GetJob(mgr, &unknown, NULL));

    job = tu_create_job(mgr, L"findable", &id);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(mgr, &id, &found));
    assert_non_null(found);
    assert_hr(S_OK, IBackgroundCopyJob_GetId(found, &got));
    assert_true(IsEqualGUID(&id, &got));
    /* The found job is the same job: a change through one view shows in the other. */
    assert_hr(S_OK, IBackgroundCopyJob_SetDisplayName(job, L"renamed"));
    assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(found, &name));
    assert_wstr_equal(name, L"renamed");
    CoTaskMemFree(name);
    IBackgroundCopyJob_Release(found);

    /* Cancelled: gone. */
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    found = (IBackgroundCopyJob *)(ULONG_PTR)1;
    assert_hr(BG_E_NOT_FOUND, IBackgroundCopyManager_GetJob(mgr, &id, &found));
    assert_null(found);
    IBackgroundCopyJob_Release(job);

    /* Completed (acknowledged): gone too. */
    job = tu_create_job(mgr, L"completed", &id);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_ACKNOWLEDGED);
    assert_hr(BG_E_NOT_FOUND, IBackgroundCopyManager_GetJob(mgr, &id, &found));
    IBackgroundCopyJob_Release(job);
}

static BOOL enum_contains(IEnumBackgroundCopyJobs *e, const GUID *id)
{
    IBackgroundCopyJob *job;
    ULONG fetched;
    GUID got;
    BOOL found = FALSE;

    assert_hr(S_OK, IEnumBackgroundCopyJobs_Reset(e));
    while (IEnumBackgroundCopyJobs_Next(e, 1, &job, &fetched) == S_OK) {
        assert_int_equal(fetched, 1);
        assert_hr(S_OK, IBackgroundCopyJob_GetId(job, &got));
        if (IsEqualGUID(&got, id))
            found = TRUE;
        IBackgroundCopyJob_Release(job);
    }
    return found;
}

static void test_enum_jobs(void **state)
{
    IBackgroundCopyJob *jobs[3], *items[8], *one = NULL;
    IEnumBackgroundCopyJobs *e = NULL, *clone = NULL;
    GUID ids[3], got, cloned_next;
    ULONG count, fetched, i, base;

    (void)state;
    base = job_count();
    assert_null_arg(IBackgroundCopyManager_EnumJobs(mgr, 0, NULL));
    e = (IEnumBackgroundCopyJobs *)(ULONG_PTR)1;
    assert_hr(E_INVALIDARG, IBackgroundCopyManager_EnumJobs(mgr, 0x10, &e));
    assert_null(e);

    for (i = 0; i < 3; i++)
        jobs[i] = tu_create_job(mgr, L"enumerated", &ids[i]);

    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &e));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_GetCount(e, &count));
    assert_int_equal(count, base + 3);
    assert_null_arg(IEnumBackgroundCopyJobs_GetCount(e, NULL));
    for (i = 0; i < 3; i++)
        assert_true(enum_contains(e, &ids[i]));

    /* Next(1) with NULL fetched is allowed; celt > 1 needs fetched. */
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Reset(e));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Next(e, 1, &one, NULL));
    assert_non_null(one);
    IBackgroundCopyJob_Release(one);
    assert_hr(E_INVALIDARG, IEnumBackgroundCopyJobs_Next(e, 2, items, NULL));
    assert_null_arg(IEnumBackgroundCopyJobs_Next(e, 1, NULL, &fetched));

    /* Asking for more than is left: S_FALSE with what there was. */
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Reset(e));
    fetched = 99;
    assert_hr(S_FALSE, IEnumBackgroundCopyJobs_Next(e, count + 2, items, &fetched));
    assert_int_equal(fetched, count);
    for (i = 0; i < fetched; i++)
        IBackgroundCopyJob_Release(items[i]);
    /* At the end: S_FALSE, nothing fetched. */
    fetched = 99;
    assert_hr(S_FALSE, IEnumBackgroundCopyJobs_Next(e, 1, items, &fetched));
    assert_int_equal(fetched, 0);

    /* Skip: S_OK within the list, S_FALSE past its end. */
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Reset(e));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Skip(e, count - 1));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Next(e, 1, items, &fetched));
    assert_int_equal(fetched, 1);
    IBackgroundCopyJob_Release(items[0]);
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Reset(e));
    assert_hr(S_FALSE, IEnumBackgroundCopyJobs_Skip(e, count + 1));
    assert_hr(S_FALSE, IEnumBackgroundCopyJobs_Next(e, 1, items, &fetched));
    assert_int_equal(fetched, 0);

    /* Clone keeps the position and is independent afterwards. */
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Reset(e));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Skip(e, 1));
    assert_null_arg(IEnumBackgroundCopyJobs_Clone(e, NULL));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Clone(e, &clone));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_GetCount(clone, &fetched));
    assert_int_equal(fetched, count);
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Next(clone, 1, &one, &fetched));
    assert_hr(S_OK, IBackgroundCopyJob_GetId(one, &cloned_next));
    IBackgroundCopyJob_Release(one);
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Next(e, 1, &one, &fetched));
    assert_hr(S_OK, IBackgroundCopyJob_GetId(one, &got));
    IBackgroundCopyJob_Release(one);
    assert_true(IsEqualGUID(&got, &cloned_next));
    IEnumBackgroundCopyJobs_Release(clone);

    /* The enumerator is a snapshot: a job cancelled afterwards is still
     * counted by it, and gone from a new one. */
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(jobs[0]));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_GetCount(e, &fetched));
    assert_int_equal(fetched, count);
    IEnumBackgroundCopyJobs_Release(e);
    assert_int_equal(job_count(), base + 2);
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &e));
    assert_false(enum_contains(e, &ids[0]));
    assert_true(enum_contains(e, &ids[1]));
    IEnumBackgroundCopyJobs_Release(e);

    /* BG_JOB_ENUM_ALL_USERS is accepted. */
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, BG_JOB_ENUM_ALL_USERS, &e));
    assert_true(enum_contains(e, &ids[2]));
    IEnumBackgroundCopyJobs_Release(e);

    for (i = 1; i < 3; i++)
        assert_hr(S_OK, IBackgroundCopyJob_Cancel(jobs[i]));
    for (i = 0; i < 3; i++)
        IBackgroundCopyJob_Release(jobs[i]);
    assert_int_equal(job_count(), base);
}

static void check_description(HRESULT code, DWORD langid)
{
    LPWSTR text = NULL;
    HRESULT hr;

    hr = IBackgroundCopyManager_GetErrorDescription(mgr, code, langid, &text);
    if (hr != S_OK)
        print_error("no description of 0x%08lx: 0x%08lx\n", (unsigned long)code, (unsigned long)hr);
    assert_hr(S_OK, hr);
    assert_non_null(text);
    if (wcslen(text) < 5) {
        print_error("description of 0x%08lx is \"%ls\"\n", (unsigned long)code, text);
        fail();
    }
    print_message("0x%08lx: %ls\n", (unsigned long)code, text);
    CoTaskMemFree(text);
}

static void test_error_description(void **state)
{
    LPWSTR a = NULL, b = NULL;

    (void)state;
    check_description(BG_E_NOT_FOUND, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US));
    check_description(BG_E_NOT_FOUND, 0);
    check_description(BG_E_HTTP_ERROR_404, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US));
    check_description(BG_S_PARTIAL_COMPLETE, 0);
    check_description(BG_E_INVALID_STATE, 0);
    /* A Win32 error: the system's text. */
    check_description(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US));
    check_description(HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED), 0);

    /* Different codes, different texts. */
    assert_hr(S_OK, IBackgroundCopyManager_GetErrorDescription(mgr, BG_E_NOT_FOUND, 0, &a));
    assert_hr(S_OK, IBackgroundCopyManager_GetErrorDescription(mgr, BG_E_HTTP_ERROR_404, 0, &b));
    assert_true(wcscmp(a, b) != 0);
    CoTaskMemFree(a);
    CoTaskMemFree(b);

    assert_null_arg(IBackgroundCopyManager_GetErrorDescription(mgr, BG_E_NOT_FOUND, 0, NULL));
    /* A code nobody has a message for: a failure, and no string. */
    a = (LPWSTR)(ULONG_PTR)1;
    assert_true(FAILED(IBackgroundCopyManager_GetErrorDescription(mgr, (HRESULT)0xA0DE1234, 0, &a)));
    assert_null(a);
}

/* Every error our jobs can report has a description: the transports'
 * WinHTTP codes (12001-12190 as HRESULT_FROM_WIN32: Windows keeps their text
 * in winhttp.dll, Wine has none and we supply ours), the Winsock codes Wine's
 * WinHTTP lets through, the file and disk errors of the file transport and
 * the temp files, HTTP statuses with and without a bitsmsg.h name, and the
 * BG_E_ and generic codes the engine sets. */
static void test_error_description_transport_errors(void **state)
{
    static const DWORD win32[] = {
        /* WinHTTP: every code of winhttp.h */
        12001, 12002, 12004, 12005, 12006, 12007, 12009, 12011, 12012, 12015, 12017, 12018, 12019,
        12029, 12030, 12032, 12037, 12038, 12044, 12045, 12057, 12100, 12101, 12102, 12103, 12150,
        12152, 12153, 12154, 12155, 12156, 12157, 12166, 12167, 12169, 12170, 12172, 12175, 12176,
        12177, 12178, 12179, 12180, 12181, 12182, 12183, 12184, 12185, 12186, 12187, 12188, 12189,
        12190,
        /* Winsock */
        WSAEINTR, WSAEACCES, WSAEINVAL, WSAEWOULDBLOCK, WSAEADDRINUSE, WSAEADDRNOTAVAIL, WSAENETDOWN,
        WSAENETUNREACH, WSAENETRESET, WSAECONNABORTED, WSAECONNRESET, WSAENOBUFS, WSAENOTCONN,
        WSAESHUTDOWN, WSAETIMEDOUT, WSAECONNREFUSED, WSAEHOSTDOWN, WSAEHOSTUNREACH, WSAHOST_NOT_FOUND,
        WSATRY_AGAIN, WSANO_RECOVERY, WSANO_DATA,
        /* files, shares, disks */
        ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND, ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION,
        ERROR_LOCK_VIOLATION, ERROR_HANDLE_EOF, ERROR_FILE_EXISTS, ERROR_DISK_FULL, ERROR_INVALID_DATA,
        ERROR_INVALID_NAME, ERROR_FILENAME_EXCED_RANGE, ERROR_WRITE_FAULT, ERROR_NETNAME_DELETED,
        ERROR_BAD_NETPATH, ERROR_BAD_NET_NAME, ERROR_NETWORK_UNREACHABLE, ERROR_HOST_UNREACHABLE,
        ERROR_UNEXP_NET_ERR, ERROR_NETWORK_BUSY, ERROR_SEM_TIMEOUT, ERROR_NOT_READY, ERROR_ALREADY_EXISTS,
    };
    static const HRESULT other[] = {
        E_ABORT, E_OUTOFMEMORY, E_INVALIDARG, E_FAIL, E_NOTIMPL,
        BG_E_INVALID_SERVER_RESPONSE, BG_E_INVALID_RANGE, BG_E_INSUFFICIENT_RANGE_SUPPORT,
        BG_E_MISSING_FILE_SIZE, BG_E_TOO_MANY_RANGES_IN_FILE, BG_E_OVERLAPPING_RANGES,
        (HRESULT)0x80200073 /* BG_E_REMOTE_FILE_CHANGED */, BG_E_NO_PROGRESS, BG_E_HTTP_ERROR_401,
        BG_E_HTTP_ERROR_404, BG_E_HTTP_ERROR_416, BG_E_HTTP_ERROR_500, BG_E_HTTP_ERROR_503,
        (HRESULT)0x801901AD /* 429: no BG_E_ name */, (HRESULT)0x801901C3 /* 451 */,
        (HRESULT)0x80D02002 /* DO_E_DOWNLOAD_NO_PROGRESS */, (HRESULT)0x80D02013 /* DO_E_INVALID_STATE */,
    };
    LPWSTR a = NULL, b = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < ARRAYSIZE(win32); i++) {
        check_description(HRESULT_FROM_WIN32(win32[i]), 0);
        check_description(HRESULT_FROM_WIN32(win32[i]), MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US));
    }
    for (i = 0; i < ARRAYSIZE(other); i++)
        check_description(other[i], 0);
    /* The text says what happened: not one text for all of them. */
    assert_hr(S_OK, IBackgroundCopyManager_GetErrorDescription(mgr, (HRESULT)0x80072EE7, 0, &a));
    assert_hr(S_OK, IBackgroundCopyManager_GetErrorDescription(mgr, (HRESULT)0x80072EFD, 0, &b));
    assert_true(wcscmp(a, b) != 0);
    CoTaskMemFree(a);
    CoTaskMemFree(b);
    assert_hr(S_OK, IBackgroundCopyManager_GetErrorDescription(mgr, (HRESULT)0x801901AD, 0, &a));
    assert_non_null(wcsstr(a, L"429"));
    CoTaskMemFree(a);
}

static void test_interfaces(void **state)
{
    IUnknown *unk = NULL;
    IBackgroundCopyJob *job = (IBackgroundCopyJob *)(ULONG_PTR)1;

    (void)state;
    assert_hr(S_OK, IBackgroundCopyManager_QueryInterface(mgr, &IID_IUnknown, (void **)&unk));
    IUnknown_Release(unk);
    assert_hr(E_NOINTERFACE,
              IBackgroundCopyManager_QueryInterface(mgr, &IID_IBackgroundCopyJob, (void **)&job));
    assert_null(job);
    assert_null_arg(IBackgroundCopyManager_QueryInterface(mgr, &IID_IUnknown, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_job_bad_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enum_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_description, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_description_transport_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interfaces, setup, teardown),
    };
    return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
