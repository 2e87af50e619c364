/* Notifications: an IBackgroundCopyCallback2 written here in C, called by
 * the DLL's worker threads per the job's notify flags. JobTransferred,
 * JobModification, FileTransferred, JobError, retry after a failed
 * callback, flags that exclude a callback, Complete from inside
 * JobTransferred, and the callback's references.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#include <stdlib.h>

#define CB_WAIT_MS 30000
#define MAX_FILES 8

typedef struct callback {
    IBackgroundCopyCallback2 IBackgroundCopyCallback2_iface;
    LONG refs;
    /* calls */
    volatile LONG transferred, error, modification, file_transferred;
    HANDLE ev_transferred, ev_error, ev_modification, ev_file, ev_failed;
    /* behaviour */
    volatile LONG fail_transferred;  /* return E_FAIL this many times first */
    BOOL complete_inside;            /* call Complete from JobTransferred */
    /* what was seen */
    HRESULT complete_hr;
    BG_JOB_STATE state_in_transferred, state_in_error;
    BG_ERROR_CONTEXT error_context;
    HRESULT error_code;
    WCHAR error_remote[MAX_PATH];
    WCHAR files_done[MAX_FILES][MAX_PATH];
    BOOL file_complete[MAX_FILES];
    double first_transferred_call, last_transferred_call;
    GUID expect_id;
    volatile LONG wrong_job;
} callback;

static callback *impl_from_IBackgroundCopyCallback2(IBackgroundCopyCallback2 *iface)
{
    return CONTAINING_RECORD(iface, callback, IBackgroundCopyCallback2_iface);
}

static HRESULT WINAPI cb_QueryInterface(IBackgroundCopyCallback2 *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualIID(riid, &IID_IBackgroundCopyCallback2)) {
        *out = iface;
        IBackgroundCopyCallback2_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI cb_AddRef(IBackgroundCopyCallback2 *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyCallback2(iface)->refs);
}

static ULONG WINAPI cb_Release(IBackgroundCopyCallback2 *iface)
{
    /* The test owns the memory; the count is what the test checks. */
    return InterlockedDecrement(&impl_from_IBackgroundCopyCallback2(iface)->refs);
}

static void check_job(callback *cb, IBackgroundCopyJob *job)
{
    GUID id;

    if (!job || FAILED(IBackgroundCopyJob_GetId(job, &id)) || !IsEqualGUID(&id, &cb->expect_id))
        InterlockedIncrement(&cb->wrong_job);
}

static HRESULT WINAPI cb_JobTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job)
{
    callback *cb = impl_from_IBackgroundCopyCallback2(iface);
    double now = tu_seconds();

    check_job(cb, job);
    IBackgroundCopyJob_GetState(job, &cb->state_in_transferred);
    if (InterlockedIncrement(&cb->transferred) == 1)
        cb->first_transferred_call = now;
    cb->last_transferred_call = now;
    if (InterlockedDecrement(&cb->fail_transferred) >= 0) {
        SetEvent(cb->ev_failed);
        return E_FAIL;
    }
    if (cb->complete_inside)
        cb->complete_hr = IBackgroundCopyJob_Complete(job);
    SetEvent(cb->ev_transferred);
    return S_OK;
}

static HRESULT WINAPI cb_JobError(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                  IBackgroundCopyError *error)
{
    callback *cb = impl_from_IBackgroundCopyCallback2(iface);
    IBackgroundCopyFile *file = NULL;
    LPWSTR name = NULL;

    check_job(cb, job);
    IBackgroundCopyJob_GetState(job, &cb->state_in_error);
    if (error) {
        IBackgroundCopyError_GetError(error, &cb->error_context, &cb->error_code);
        if (SUCCEEDED(IBackgroundCopyError_GetFile(error, &file))) {
            if (SUCCEEDED(IBackgroundCopyFile_GetRemoteName(file, &name))) {
                wcsncpy(cb->error_remote, name, MAX_PATH - 1);
                CoTaskMemFree(name);
            }
            IBackgroundCopyFile_Release(file);
        }
    }
    InterlockedIncrement(&cb->error);
    SetEvent(cb->ev_error);
    return S_OK;
}

static HRESULT WINAPI cb_JobModification(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                         DWORD reserved)
{
    callback *cb = impl_from_IBackgroundCopyCallback2(iface);

    (void)reserved;
    check_job(cb, job);
    InterlockedIncrement(&cb->modification);
    SetEvent(cb->ev_modification);
    return S_OK;
}

static HRESULT WINAPI cb_FileTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                         IBackgroundCopyFile *file)
{
    callback *cb = impl_from_IBackgroundCopyCallback2(iface);
    LONG n = InterlockedIncrement(&cb->file_transferred) - 1;
    BG_FILE_PROGRESS p;
    LPWSTR name = NULL;

    check_job(cb, job);
    if (n < MAX_FILES && file) {
        if (SUCCEEDED(IBackgroundCopyFile_GetLocalName(file, &name))) {
            wcsncpy(cb->files_done[n], name, MAX_PATH - 1);
            CoTaskMemFree(name);
        }
        cb->file_complete[n] = SUCCEEDED(IBackgroundCopyFile_GetProgress(file, &p)) && p.Completed;
    }
    SetEvent(cb->ev_file);
    return S_OK;
}

static const IBackgroundCopyCallback2Vtbl cb_vtbl = {
    cb_QueryInterface,
    cb_AddRef,
    cb_Release,
    cb_JobTransferred,
    cb_JobError,
    cb_JobModification,
    cb_FileTransferred,
};

/* On the heap: if a test fails while the DLL still holds the callback, a
 * late call must not land in a dead stack frame. */
static callback *cb_new(void)
{
    callback *cb = calloc(1, sizeof(*cb));

    assert_non_null(cb);
    cb->IBackgroundCopyCallback2_iface.lpVtbl = &cb_vtbl;
    cb->refs = 1;
    cb->ev_transferred = CreateEventW(NULL, FALSE, FALSE, NULL);
    cb->ev_error = CreateEventW(NULL, FALSE, FALSE, NULL);
    cb->ev_modification = CreateEventW(NULL, FALSE, FALSE, NULL);
    cb->ev_file = CreateEventW(NULL, FALSE, FALSE, NULL);
    cb->ev_failed = CreateEventW(NULL, FALSE, FALSE, NULL);
    return cb;
}

/* Frees the callback unless the DLL still holds it (then it is leaked on
 * purpose; the test has already failed on that). */
static void cb_free(callback *cb)
{
    if (cb->refs != 1)
        return;
    CloseHandle(cb->ev_transferred);
    CloseHandle(cb->ev_error);
    CloseHandle(cb->ev_modification);
    CloseHandle(cb->ev_file);
    CloseHandle(cb->ev_failed);
    free(cb);
}

static BOOL only_our_reference(void *arg)
{
    return ((callback *)arg)->refs == 1;
}

/* ------------------------------------------------------------------------- */

static IBackgroundCopyManager *mgr;
static WCHAR src[MAX_PATH];
#define SRC_SIZE (2u * TU_MB + 7)
#define SRC_SEED 42

static int group_setup(void **state)
{
    if (tu_group_setup(state))
        return -1;
    mgr = tu_manager();
    tu_path(src, MAX_PATH, L"callback.src");
    tu_make_file(src, SRC_SIZE, SRC_SEED);
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

/* A job with one file from src to `local`, the callback set, flags set. */
static IBackgroundCopyJob *callback_job(callback *cb, const WCHAR *local, ULONG flags)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"callbacks", &cb->expect_id);

    DeleteFileW(local);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyFlags(job, flags));
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback2_iface));
    return job;
}

static void test_job_transferred_once(void **state)
{
    callback *cb;
    IBackgroundCopyJob *job;
    IUnknown *notify = NULL;
    WCHAR local[MAX_PATH];

    (void)state;
    cb = cb_new();
    tu_path(local, MAX_PATH, L"transferred.bin");
    job = callback_job(cb, local, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    assert_true(cb->refs > 1); /* the job keeps the callback */

    assert_hr(S_OK, IBackgroundCopyJob_GetNotifyInterface(job, &notify));
    assert_ptr_equal(notify, &cb->IBackgroundCopyCallback2_iface);
    IUnknown_Release(notify);

    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_event(cb->ev_transferred, CB_WAIT_MS));
    assert_int_equal(cb->state_in_transferred, BG_JOB_STATE_TRANSFERRED);
    assert_int_equal(tu_state(job), BG_JOB_STATE_TRANSFERRED);
    /* Once, and nothing the flags did not ask for. */
    assert_false(tu_wait_event(cb->ev_transferred, 500));
    assert_int_equal(cb->transferred, 1);
    assert_int_equal(cb->error, 0);
    assert_int_equal(cb->modification, 0);
    assert_int_equal(cb->file_transferred, 0);
    assert_int_equal(cb->wrong_job, 0);

    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_check_pattern(local, SRC_SIZE, SRC_SEED));
    /* A completed job never calls again: its reference to the callback goes. */
    if (!tu_wait_until(only_our_reference, cb, 5000))
        print_error("after Complete the DLL still holds %ld reference(s) to the callback\n", cb->refs - 1);
    assert_int_equal(cb->refs, 1);
    assert_int_equal(cb->transferred, 1);
    IBackgroundCopyJob_Release(job);
    assert_int_equal(cb->refs, 1);
    cb_free(cb);
    DeleteFileW(local);
}

static void test_release_after_job_released(void **state)
{
    callback *cb;
    IBackgroundCopyJob *job;
    WCHAR local[MAX_PATH];

    (void)state;
    cb = cb_new();
    tu_path(local, MAX_PATH, L"release.bin");
    job = callback_job(cb, local, BG_NOTIFY_JOB_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_event(cb->ev_transferred, CB_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    IBackgroundCopyJob_Release(job);
    /* Once the job is completed and released, nothing keeps the callback. */
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
    DeleteFileW(local);

    /* Same after Cancel, and after SetNotifyInterface(NULL). */
    cb = cb_new();
    job = callback_job(cb, local, BG_NOTIFY_JOB_TRANSFERRED);
    assert_true(cb->refs > 1);
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(job, NULL));
    assert_int_equal(cb->refs, 1);
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback2_iface));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    assert_int_equal(cb->transferred, 0);
    cb_free(cb);
}

static void test_job_modification(void **state)
{
    callback *cb;
    IBackgroundCopyJob *job;
    WCHAR local[MAX_PATH];

    (void)state;
    cb = cb_new();
    tu_path(local, MAX_PATH, L"modification.bin");
    job = callback_job(cb, local, BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_JOB_TRANSFERRED);

    /* A property change on a suspended job is a modification. */
    assert_hr(S_OK, IBackgroundCopyJob_SetDescription(job, L"modified"));
    assert_true(tu_wait_event(cb->ev_modification, CB_WAIT_MS));
    assert_true(cb->modification >= 1);

    /* So is the transfer. */
    cb->modification = 0;
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_event(cb->ev_transferred, CB_WAIT_MS));
    assert_true(cb->modification >= 1);
    assert_int_equal(cb->transferred, 1);
    assert_int_equal(cb->wrong_job, 0);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
    DeleteFileW(local);
}

static void test_file_transferred(void **state)
{
    callback *cb;
    IBackgroundCopyJob *job;
    WCHAR local[3][MAX_PATH];
    int i;

    (void)state;
    cb = cb_new();
    tu_path(local[0], MAX_PATH, L"filecb0.bin");
    tu_path(local[1], MAX_PATH, L"filecb1.bin");
    tu_path(local[2], MAX_PATH, L"filecb2.bin");
    job = callback_job(cb, local[0], BG_NOTIFY_FILE_TRANSFERRED | BG_NOTIFY_JOB_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local[1]));
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local[2]));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_event(cb->ev_transferred, CB_WAIT_MS));
    /* One call per file, in the job's order, each file complete. */
    assert_int_equal(cb->file_transferred, 3);
    for (i = 0; i < 3; i++) {
        assert_wstr_equal(cb->files_done[i], local[i]);
        assert_true(cb->file_complete[i]);
    }
    assert_int_equal(cb->transferred, 1);
    assert_int_equal(cb->wrong_job, 0);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    for (i = 0; i < 3; i++) {
        assert_true(tu_check_pattern(local[i], SRC_SIZE, SRC_SEED));
        DeleteFileW(local[i]);
    }
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
}

static void test_job_error(void **state)
{
    callback *cb;
    IBackgroundCopyJob *job;
    WCHAR missing[MAX_PATH], local[MAX_PATH];

    (void)state;
    cb = cb_new();
    tu_path(missing, MAX_PATH, L"no-such.src");
    tu_path(local, MAX_PATH, L"error.bin");
    job = tu_create_job(mgr, L"error callback", &cb->expect_id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, missing, local));
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback2_iface));
    /* Default flags: TRANSFERRED | ERROR. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_event(cb->ev_error, CB_WAIT_MS));
    assert_int_equal(cb->error, 1);
    assert_int_equal(cb->state_in_error, BG_JOB_STATE_ERROR);
    assert_int_equal(cb->error_context, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), cb->error_code);
    assert_wstr_equal(cb->error_remote, missing);
    assert_int_equal(cb->transferred, 0);
    assert_int_equal(cb->wrong_job, 0);
    /* Once. */
    assert_false(tu_wait_event(cb->ev_error, 500));
    assert_int_equal(cb->error, 1);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
}

static void test_retry_failed_callback(void **state)
{
    callback *cb;
    IBackgroundCopyJob *job;
    WCHAR local[MAX_PATH];
    ULONG delay;
    double gap;

    (void)state;
    cb = cb_new();
    cb->fail_transferred = 1;
    tu_path(local, MAX_PATH, L"retry.bin");
    job = callback_job(cb, local, BG_NOTIFY_JOB_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_SetMinimumRetryDelay(job, 1));
    assert_hr(S_OK, IBackgroundCopyJob_GetMinimumRetryDelay(job, &delay));
    assert_int_equal(delay, 5);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    /* First call fails ... */
    assert_true(tu_wait_event(cb->ev_failed, CB_WAIT_MS));
    assert_int_equal(cb->transferred, 1);
    /* ... and the DLL calls again after the retry delay (bounded wait). */
    assert_true(tu_wait_event(cb->ev_transferred, CB_WAIT_MS));
    assert_int_equal(cb->transferred, 2);
    gap = cb->last_transferred_call - cb->first_transferred_call;
    print_message("JobTransferred called again %.2f s after it failed\n", gap);
    assert_true(gap >= 4.5);
    assert_int_equal(tu_state(job), BG_JOB_STATE_TRANSFERRED);
    /* Delivered now: no third call. */
    assert_false(tu_wait_event(cb->ev_transferred, 500));
    assert_int_equal(cb->transferred, 2);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
    DeleteFileW(local);
}

static void test_flags_exclude(void **state)
{
    callback *cb;
    IBackgroundCopyJob *job;
    WCHAR local[MAX_PATH], missing[MAX_PATH];

    (void)state;
    /* Only ERROR asked for: a successful job calls nothing. */
    cb = cb_new();
    tu_path(local, MAX_PATH, L"excluded.bin");
    job = callback_job(cb, local, BG_NOTIFY_JOB_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, CB_WAIT_MS));
    assert_false(tu_wait_event(cb->ev_transferred, 500));
    assert_false(tu_wait_event(cb->ev_file, 0));
    assert_false(tu_wait_event(cb->ev_modification, 0));
    assert_int_equal(cb->transferred + cb->file_transferred + cb->modification + cb->error, 0);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
    DeleteFileW(local);

    /* BG_NOTIFY_DISABLE silences everything, even with the other flags. */
    cb = cb_new();
    job = callback_job(cb, local, BG_NOTIFY_DISABLE | BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR |
                                       BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, CB_WAIT_MS));
    assert_false(tu_wait_event(cb->ev_transferred, 500));
    assert_int_equal(cb->transferred + cb->file_transferred + cb->modification + cb->error, 0);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
    DeleteFileW(local);

    /* Only TRANSFERRED asked for: an error calls nothing. */
    cb = cb_new();
    tu_path(missing, MAX_PATH, L"no-such-either.src");
    job = tu_create_job(mgr, L"no error callback", &cb->expect_id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, missing, local));
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED));
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback2_iface));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, CB_WAIT_MS), BG_JOB_STATE_ERROR);
    assert_false(tu_wait_event(cb->ev_error, 500));
    assert_int_equal(cb->error + cb->transferred, 0);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
}

static void test_complete_inside_callback(void **state)
{
    callback *cb;
    IBackgroundCopyJob *job;
    WCHAR local[MAX_PATH];

    (void)state;
    cb = cb_new();
    cb->complete_inside = TRUE;
    cb->complete_hr = E_UNEXPECTED;
    tu_path(local, MAX_PATH, L"inside.bin");
    job = callback_job(cb, local, BG_NOTIFY_JOB_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    /* A deadlock would show as this wait running out. */
    assert_true(tu_wait_event(cb->ev_transferred, CB_WAIT_MS));
    assert_hr(S_OK, cb->complete_hr);
    assert_int_equal(tu_state(job), BG_JOB_STATE_ACKNOWLEDGED);
    assert_true(tu_check_pattern(local, SRC_SIZE, SRC_SEED));
    {
        /* Its temporary file was renamed into place. */
        IBackgroundCopyFile *file = tu_job_file(job, 0);
        IBackgroundCopyFile3 *file3 = tu_qi(file, &IID_IBackgroundCopyFile3);
        LPWSTR temp = NULL;
        assert_hr(S_OK, IBackgroundCopyFile3_GetTemporaryName(file3, &temp));
        assert_false(tu_exists(temp));
        CoTaskMemFree(temp);
        IBackgroundCopyFile3_Release(file3);
        IBackgroundCopyFile_Release(file);
    }
    /* The job still answers calls afterwards. */
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_Complete(job));
    assert_false(tu_wait_event(cb->ev_transferred, 500));
    assert_int_equal(cb->transferred, 1);
    IBackgroundCopyJob_Release(job);
    assert_true(tu_wait_until(only_our_reference, cb, 10000));
    cb_free(cb);
    DeleteFileW(local);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_job_transferred_once, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_release_after_job_released, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_job_modification, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_file_transferred, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_job_error, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_retry_failed_callback, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_flags_exclude, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_complete_inside_callback, tu_cancel_all_jobs),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
