/* The per-user host (docs/hosting.md): the public classes, activated from
 * several real processes, all reach one bitsdo-host.exe, which runs every
 * job; a job made in one process is found, driven and completed from
 * another; the host comes back after a hard kill; it leaves when idle or
 * when asked to stop.
 *
 * Jobs are kept in the per-user store: they survive a stop and a hard kill
 * of the host (an interrupted transfer goes on from its partial bytes, with
 * Range requests), and a damaged record is set aside without hurting the
 * others.
 *
 * The test program is its own second process: run with "child ..." it does
 * one step and reports through its exit code.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"
#include "http_util.h"
#include "host_util.h"
#include "hostinfo.h"
#include "store.h"

#include <shlobj.h>

#include <shellapi.h>
#include <stdlib.h>

#define CHILD_WAIT_MS 120000
#define FILE_SIZE (256u * 1024u)

static WCHAR self_path[MAX_PATH];

static IBackgroundCopyManager *public_manager(DWORD context)
{
    IBackgroundCopyManager *mgr = NULL;

    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoManager, NULL, context, &IID_IBackgroundCopyManager,
                                     (void **)&mgr));
    assert_non_null(mgr);
    return mgr;
}

static HANDLE host_process(DWORD *pid)
{
    return hu_host_process(pid);
}

static DWORD run_child(const WCHAR *args)
{
    return hu_run(self_path, args);
}

static void stop_host(void)
{
    assert_int_equal(0, hu_stop_host());
}

/* --- the child's steps ----------------------------------------------------- */

/* "child drive {GUID} NAME": finds the job, checks what crossed, runs it to
 * the end and completes it. Exit code: 0 ok, else which step failed. */
static int child_drive(const WCHAR *guid_text, const WCHAR *name)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state = BG_JOB_STATE_ERROR;
    WCHAR *display = NULL;
    ULONGLONG deadline;
    GUID id;
    int rc = 0;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(CLSIDFromString(guid_text, &id)))
        rc = 2;
    else if (FAILED(CoCreateInstance(&CLSID_BitsdoManager, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IBackgroundCopyManager, (void **)&mgr)))
        rc = 3;
    else if (FAILED(IBackgroundCopyManager_GetJob(mgr, &id, &job)))
        rc = 4;
    else if (FAILED(IBackgroundCopyJob_GetDisplayName(job, &display)) || !display || wcscmp(display, name))
        rc = 5;
    else if (FAILED(IBackgroundCopyJob_GetProgress(job, &progress)) || progress.FilesTotal != 1)
        rc = 6;
    else if (FAILED(IBackgroundCopyJob_Resume(job)))
        rc = 7;
    if (!rc) {
        deadline = GetTickCount64() + CHILD_WAIT_MS / 2;
        while (SUCCEEDED(IBackgroundCopyJob_GetState(job, &state)) && state != BG_JOB_STATE_TRANSFERRED &&
               state != BG_JOB_STATE_ERROR && GetTickCount64() < deadline)
            WaitForSingleObject(GetCurrentProcess(), 5); /* bounded poll of another process */
        if (state != BG_JOB_STATE_TRANSFERRED)
            rc = 8;
        else if (FAILED(IBackgroundCopyJob_Complete(job)))
            rc = 9;
    }
    CoTaskMemFree(display);
    if (job)
        IBackgroundCopyJob_Release(job);
    if (mgr)
        IBackgroundCopyManager_Release(mgr);
    CoUninitialize();
    return rc;
}

/* --- tests ------------------------------------------------------------------ */

/* A job made here is found, transferred and completed by another process;
 * this process then sees it ACKNOWLEDGED and the file in place. */
static void test_job_shared_between_processes(void **state)
{
    IBackgroundCopyManager *mgr = public_manager(CLSCTX_INPROC_SERVER);
    IBackgroundCopyJob *job;
    WCHAR src[MAX_PATH], dst[MAX_PATH], guid[40], args[128];
    GUID id;

    (void)state;
    tu_path(src, MAX_PATH, L"shared-src.bin");
    tu_path(dst, MAX_PATH, L"shared-dst.bin");
    tu_make_file(src, FILE_SIZE, 11);
    DeleteFileW(dst);
    job = tu_create_job(mgr, L"shared job", &id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, dst));
    StringFromGUID2(&id, guid, ARRAYSIZE(guid));
    swprintf(args, ARRAYSIZE(args), L"child drive %ls \"shared job\"", guid);

    assert_int_equal(0, run_child(args));

    assert_int_equal(BG_JOB_STATE_ACKNOWLEDGED, tu_state(job));
    assert_true(tu_check_pattern(dst, FILE_SIZE, 11));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

/* CLSCTX_LOCAL_SERVER (COM's own path, through rpcss) reaches the same host
 * as the in-process door: it sees the job the other made. */
static void test_local_server_is_the_same_host(void **state)
{
    IBackgroundCopyManager *inproc = public_manager(CLSCTX_INPROC_SERVER);
    IBackgroundCopyManager *local = public_manager(CLSCTX_LOCAL_SERVER);
    IBackgroundCopyJob *job, *found = NULL;
    GUID id, found_id;

    (void)state;
    job = tu_create_job(inproc, L"seen by both", &id);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(local, &id, &found));
    assert_hr(S_OK, IBackgroundCopyJob_GetId(found, &found_id));
    assert_true(IsEqualGUID(&id, &found_id));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(found));
    assert_int_equal(BG_JOB_STATE_CANCELLED, tu_state(job));
    IBackgroundCopyJob_Release(found);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(local);
    IBackgroundCopyManager_Release(inproc);
}

/* Killed hard, the host is started again at the next in-process activation;
 * an object of the dead host answers with an RPC error, not a crash. */
static void test_killed_host_comes_back(void **state)
{
    IBackgroundCopyManager *mgr = public_manager(CLSCTX_INPROC_SERVER), *again;
    IBackgroundCopyJob *job, *fresh;
    WCHAR *display = NULL;
    HANDLE process;
    DWORD pid = 0, new_pid = 0;
    HRESULT hr;
    GUID id;

    (void)state;
    job = tu_create_job(mgr, L"outlived", &id);
    hu_kill_host(host_process(&pid));

    /* A call that goes to the host (GetState may answer from the host's
     * shared memory for up to 2 s: test_host_progress covers that). */
    hr = IBackgroundCopyJob_GetDisplayName(job, &display);
    assert_true(hr == RPC_S_SERVER_UNAVAILABLE || hr == HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) ||
                hr == RPC_E_DISCONNECTED || hr == CO_E_OBJNOTCONNECTED || hr == RPC_E_SERVER_DIED ||
                hr == RPC_E_SERVER_DIED_DNE);
    CoTaskMemFree(display);

    again = public_manager(CLSCTX_INPROC_SERVER);
    fresh = tu_create_job(again, L"after the kill", NULL);
    process = host_process(&new_pid);
    assert_non_null(process);
    assert_int_not_equal(pid, new_pid);
    CloseHandle(process);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(fresh));
    IBackgroundCopyJob_Release(fresh);
    IBackgroundCopyManager_Release(again);
    IBackgroundCopyJob_Release(job); /* a proxy of the dead host: must not crash */
    IBackgroundCopyManager_Release(mgr);
}

/* With no client object left and no job that can run, the host leaves by
 * itself (BITSDO_HOST_IDLE_MS is short in the tests). */
static void test_idle_host_exits(void **state)
{
    IBackgroundCopyManager *mgr = public_manager(CLSCTX_INPROC_SERVER);
    HANDLE process = host_process(NULL);

    (void)state;
    assert_non_null(process);
    /* Held: the host must stay. */
    assert_int_equal(WAIT_TIMEOUT, WaitForSingleObject(process, 0));
    IBackgroundCopyManager_Release(mgr);
    assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(process, 60000));
    CloseHandle(process);
}

/* "bitsdo-host.exe -Stop" ends a running host; the next activation starts
 * a new one. */
static void test_stop(void **state)
{
    IBackgroundCopyManager *mgr = public_manager(CLSCTX_INPROC_SERVER);
    HANDLE process = host_process(NULL);

    (void)state;
    assert_non_null(process);
    IBackgroundCopyManager_Release(mgr);
    stop_host();
    /* -Stop returns once the host let go of its lock, a moment before its
     * process ends: bounded wait, not an instant check. */
    assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(process, 10000));
    CloseHandle(process);
    mgr = public_manager(CLSCTX_INPROC_SERVER);
    process = host_process(NULL);
    assert_non_null(process);
    CloseHandle(process);
    IBackgroundCopyManager_Release(mgr);
}

/* --- persistence ----------------------------------------------------------- */

/* The store folder the host uses (no BITSDO_STORE_DIR in the tests). */
static WCHAR *store_path(WCHAR *out, const WCHAR *file)
{
    WCHAR base[MAX_PATH];

    assert_hr(S_OK, SHGetFolderPathW(NULL, CSIDL_LOCAL_APPDATA, NULL, SHGFP_TYPE_CURRENT, base));
    swprintf(out, MAX_PATH, L"%ls\\bitsdo\\jobs%ls%ls", base, file ? L"\\" : L"", file ? file : L"");
    return out;
}

static WCHAR *record_path(WCHAR *out, const GUID *id)
{
    WCHAR guid[40], name[48];

    StringFromGUID2(id, guid, ARRAYSIZE(guid));
    swprintf(name, ARRAYSIZE(name), L"%ls.job", guid);
    return store_path(out, name);
}

/* Cancels every job of the host (earlier tests leave stored ones). */
static void cancel_public_jobs(void)
{
    IBackgroundCopyManager *mgr = public_manager(CLSCTX_INPROC_SERVER);
    IEnumBackgroundCopyJobs *e;
    IBackgroundCopyJob *job;
    ULONG fetched;

    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &e));
    while (IEnumBackgroundCopyJobs_Next(e, 1, &job, &fetched) == S_OK) {
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(e);
    IBackgroundCopyManager_Release(mgr);
}

static BOOL record_exists(void *ctx)
{
    WCHAR path[MAX_PATH];

    return tu_exists(record_path(path, ctx));
}

static BOOL file_contains(const WCHAR *path, const void *needle, size_t len);

static BOOL record_has_description(void *ctx)
{
    static const WCHAR text[] = L"changed after the credentials";
    WCHAR path[MAX_PATH];

    record_path(path, ctx);
    return tu_exists(path) && file_contains(path, text, sizeof(text) - sizeof(WCHAR));
}

static BOOL record_gone(void *ctx)
{
    return !record_exists(ctx);
}

/* A suspended job with its properties survives the host's stop: the next
 * host has it back, every field as it was. */
static void test_job_survives_stop(void **state)
{
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job;
    WCHAR src[MAX_PATH], dst[MAX_PATH], *text = NULL;
    BG_JOB_PRIORITY priority;
    BG_JOB_PROGRESS progress;
    ULONG delay;
    GUID id;

    (void)state;
    cancel_public_jobs();
    tu_path(src, MAX_PATH, L"stop-src.bin");
    tu_path(dst, MAX_PATH, L"stop-dst.bin");
    tu_make_file(src, FILE_SIZE, 21);
    mgr = public_manager(CLSCTX_INPROC_SERVER);
    job = tu_create_job(mgr, L"kept across hosts", &id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, dst));
    assert_hr(S_OK, IBackgroundCopyJob_SetDescription(job, L"a description"));
    assert_hr(S_OK, IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_LOW));
    assert_hr(S_OK, IBackgroundCopyJob_SetMinimumRetryDelay(job, 77));
    assert_true(tu_wait_until(record_exists, &id, 10000));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    stop_host();

    mgr = public_manager(CLSCTX_INPROC_SERVER);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(mgr, &id, &job));
    assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(job, &text));
    assert_wstr_equal(text, L"kept across hosts");
    CoTaskMemFree(text);
    assert_hr(S_OK, IBackgroundCopyJob_GetDescription(job, &text));
    assert_wstr_equal(text, L"a description");
    CoTaskMemFree(text);
    assert_hr(S_OK, IBackgroundCopyJob_GetPriority(job, &priority));
    assert_int_equal(BG_JOB_PRIORITY_LOW, priority);
    assert_hr(S_OK, IBackgroundCopyJob_GetMinimumRetryDelay(job, &delay));
    assert_int_equal(77, delay);
    assert_int_equal(BG_JOB_STATE_SUSPENDED, tu_state(job));
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &progress));
    assert_int_equal(1, progress.FilesTotal);
    /* And it still works. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_check_pattern(dst, FILE_SIZE, 21));
    /* Complete removes the record (the store's writer does it, soon). */
    assert_true(tu_wait_until(record_gone, &id, 10000));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

/* Credentials never reach the disk: the store holds no byte of the
 * password (UTF-16 or UTF-8) or the user name after they were set. */
static BOOL file_contains(const WCHAR *path, const void *needle, size_t len)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, 0, NULL);
    static BYTE buf[1 << 20];
    DWORD n = 0;
    size_t i;

    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(ReadFile(h, buf, sizeof(buf), &n, NULL));
    CloseHandle(h);
    for (i = 0; i + len <= n; i++)
        if (!memcmp(buf + i, needle, len))
            return TRUE;
    return FALSE;
}

static void test_credentials_not_stored(void **state)
{
    static const WCHAR password[] = L"Pa55-w0rd-of-the-test";
    static const char password8[] = "Pa55-w0rd-of-the-test";
    static const WCHAR user[] = L"someone-special";
    IBackgroundCopyManager *mgr = public_manager(CLSCTX_INPROC_SERVER);
    IBackgroundCopyJob *job;
    IBackgroundCopyJob2 *job2;
    BG_AUTH_CREDENTIALS cred;
    WCHAR path[MAX_PATH], dst[MAX_PATH];
    GUID id;

    (void)state;
    job = tu_create_job(mgr, L"with credentials", &id);
    tu_path(dst, MAX_PATH, L"cred-dst.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1:1/cred.bin", dst));
    job2 = tu_qi(job, &IID_IBackgroundCopyJob2);
    memset(&cred, 0, sizeof(cred));
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = (WCHAR *)user;
    cred.Credentials.Basic.Password = (WCHAR *)password;
    assert_hr(S_OK, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    assert_hr(S_OK, IBackgroundCopyJob_SetDescription(job, L"changed after the credentials"));
    assert_true(tu_wait_until(record_exists, &id, 10000));
    /* The description's write comes after the credentials: wait for it. */
    assert_true(tu_wait_until(record_has_description, &id, 10000));
    record_path(path, &id);
    assert_false(file_contains(path, password, sizeof(password) - sizeof(WCHAR)));
    assert_false(file_contains(path, password8, sizeof(password8) - 1));
    assert_false(file_contains(path, user, sizeof(user) - sizeof(WCHAR)));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob2_Release(job2);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

/* One corrupted and one truncated record: the host sets both aside (renamed
 * .bad-<time>, never loaded) and loads the others. */
static void test_bad_records_set_aside(void **state)
{
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *jobs[4], *found;
    WCHAR path[MAX_PATH], pattern[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h, find;
    GUID ids[4];
    BYTE byte;
    DWORD n;
    int i, bad = 0;

    (void)state;
    cancel_public_jobs();
    mgr = public_manager(CLSCTX_INPROC_SERVER);
    for (i = 0; i < 4; i++) {
        jobs[i] = tu_create_job(mgr, L"one of four", &ids[i]);
        assert_true(tu_wait_until(record_exists, &ids[i], 10000));
        IBackgroundCopyJob_Release(jobs[i]);
    }
    IBackgroundCopyManager_Release(mgr);
    stop_host();

    /* Job 0: one byte flipped in the middle; job 1: cut short. */
    h = CreateFileW(record_path(path, &ids[0]), GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    SetFilePointer(h, 40, NULL, FILE_BEGIN);
    assert_true(ReadFile(h, &byte, 1, &n, NULL) && n == 1);
    byte ^= 0x5a;
    SetFilePointer(h, 40, NULL, FILE_BEGIN);
    assert_true(WriteFile(h, &byte, 1, &n, NULL) && n == 1);
    CloseHandle(h);
    h = CreateFileW(record_path(path, &ids[1]), GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    SetFilePointer(h, 30, NULL, FILE_BEGIN);
    assert_true(SetEndOfFile(h));
    CloseHandle(h);

    mgr = public_manager(CLSCTX_INPROC_SERVER);
    for (i = 0; i < 4; i++) {
        HRESULT hr = IBackgroundCopyManager_GetJob(mgr, &ids[i], &found);

        assert_hr(i < 2 ? BG_E_NOT_FOUND : S_OK, hr);
        if (SUCCEEDED(hr))
            IBackgroundCopyJob_Release(found);
    }
    store_path(pattern, L"*.bad-*");
    find = FindFirstFileW(pattern, &fd);
    assert_true(find != INVALID_HANDLE_VALUE);
    do {
        WCHAR guid[40];

        for (i = 0; i < 2; i++) {
            StringFromGUID2(&ids[i], guid, ARRAYSIZE(guid));
            if (!_wcsnicmp(fd.cFileName, guid, wcslen(guid)))
                bad |= 1 << i;
        }
    } while (FindNextFileW(find, &fd));
    FindClose(find);
    assert_int_equal(3, bad);
    IBackgroundCopyManager_Release(mgr);
    cancel_public_jobs();
}

/* bitsdo_store_get's callback: keeps the record (the store must not be
 * called from inside). */
static HRESULT take_record(void *ctx, const GUID *id, uint32_t kind, bitsdo_job_rec *rec,
                           const bitsdo_store_section *sections, uint32_t n)
{
    (void)id;
    (void)sections;
    (void)n;
    assert_int_equal(BITSDO_STORE_KIND_BITS_JOB, kind);
    *(bitsdo_job_rec *)ctx = *rec;
    bitsdo_job_rec_init(rec);
    return S_OK;
}

/* A job of another user (its stored owner is another SID, as a store
 * written under that user would say): EnumJobs(0) and GetOwner show the
 * caller only its own jobs; BG_JOB_ENUM_ALL_USERS shows both to an
 * administrator (under Wine every user is one) and is refused with
 * E_ACCESSDENIED to a caller whose Administrators group is deny-only. */
static void test_owner_filtering(void **state)
{
    static const WCHAR other[] = L"S-1-5-21-1111111111-2222222222-3333333333-4242";
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *mine, *theirs, *job;
    IEnumBackgroundCopyJobs *e;
    bitsdo_store *store;
    bitsdo_job_rec rec;
    GUID my_id, their_id, id;
    WCHAR dir[MAX_PATH], *owner = NULL;
    BOOL saw_mine = FALSE, saw_theirs = FALSE;
    HANDLE token, restricted = NULL, imp = NULL;
    BYTE admins[SECURITY_MAX_SID_SIZE];
    SID_AND_ATTRIBUTES disable;
    DWORD size = sizeof(admins);

    (void)state;
    cancel_public_jobs();
    mgr = public_manager(CLSCTX_INPROC_SERVER);
    mine = tu_create_job(mgr, L"mine", &my_id);
    theirs = tu_create_job(mgr, L"theirs", &their_id);
    assert_true(tu_wait_until(record_exists, &their_id, 10000));
    IBackgroundCopyJob_Release(theirs);
    IBackgroundCopyJob_Release(mine);
    IBackgroundCopyManager_Release(mgr);
    stop_host();

    /* the second job becomes another user's in the store */
    assert_hr(S_OK, bitsdo_store_open(store_path(dir, NULL), &store));
    bitsdo_job_rec_init(&rec);
    assert_hr(S_OK, bitsdo_store_get(store, &their_id, take_record, &rec));
    free(rec.owner_sid);
    rec.owner_sid = (bitsdo_wchar *)_wcsdup(other);
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &rec, NULL, 0, NULL, 0));
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);

    mgr = public_manager(CLSCTX_INPROC_SERVER);
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &e));
    while (IEnumBackgroundCopyJobs_Next(e, 1, &job, NULL) == S_OK) {
        assert_hr(S_OK, IBackgroundCopyJob_GetId(job, &id));
        saw_mine |= IsEqualGUID(&id, &my_id);
        saw_theirs |= IsEqualGUID(&id, &their_id);
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(e);
    assert_true(saw_mine);
    assert_false(saw_theirs);

    saw_mine = saw_theirs = FALSE;
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, BG_JOB_ENUM_ALL_USERS, &e));
    while (IEnumBackgroundCopyJobs_Next(e, 1, &job, NULL) == S_OK) {
        assert_hr(S_OK, IBackgroundCopyJob_GetId(job, &id));
        saw_mine |= IsEqualGUID(&id, &my_id);
        if (IsEqualGUID(&id, &their_id)) {
            saw_theirs = TRUE;
            assert_hr(S_OK, IBackgroundCopyJob_GetOwner(job, &owner));
            assert_wstr_equal(other, owner);
            CoTaskMemFree(owner);
        }
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(e);
    assert_true(saw_mine);
    assert_true(saw_theirs);
    IBackgroundCopyManager_Release(mgr);

    /* Not an administrator: the same call in-process (the private class
     * decides on the calling thread's token) is refused. */
    assert_true(CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, admins, &size));
    disable.Sid = admins;
    disable.Attributes = 0;
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_ALL_ACCESS, &token));
    if (!CreateRestrictedToken(token, 0, 1, &disable, 0, NULL, 0, NULL, &restricted) ||
        !DuplicateToken(restricted, SecurityImpersonation, &imp) || !SetThreadToken(NULL, imp)) {
        print_message("no restricted token here (error %lu): the refusal is not checked\n", GetLastError());
    } else {
        IBackgroundCopyManager *priv = tu_manager();
        HRESULT hr = IBackgroundCopyManager_EnumJobs(priv, BG_JOB_ENUM_ALL_USERS, &e);

        RevertToSelf();
        assert_hr(E_ACCESSDENIED, hr);
        assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(priv, 0, &e));
        IEnumBackgroundCopyJobs_Release(e);
        IBackgroundCopyManager_Release(priv);
    }
    if (imp)
        CloseHandle(imp);
    if (restricted)
        CloseHandle(restricted);
    CloseHandle(token);
    cancel_public_jobs();
    /* the other user's job is not the caller's to cancel through EnumJobs(0) */
    mgr = public_manager(CLSCTX_INPROC_SERVER);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(mgr, &their_id, &job));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

/* The host killed hard mid-transfer, again and again: each new host takes
 * the job back from the store and goes on from the bytes on disk (the
 * server sees Range requests); the file that comes out is byte-exact and
 * no partial file ever has the final name. */
#define KILL_ROUNDS 5
#define KILL_FILE (16u * TU_MB)
static void test_kill_mid_transfer_resumes(void **state)
{
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job;
    WCHAR src[MAX_PATH], dst[MAX_PATH], url[512];
    char token[64], *stats, ranges[64][64];
    BG_JOB_PROGRESS progress;
    UINT64 last = 0;
    int round, n, resumed = 0, i;
    GUID id;

    (void)state;
    if (!ht_init())
        fail();
    cancel_public_jobs();
    ht_token(token, sizeof(token), "hostkill");
    ht_make(src, MAX_PATH, L"hostkill.bin", KILL_FILE, 31);
    tu_path(dst, MAX_PATH, L"hostkill-dst.bin");
    DeleteFileW(dst);
    /* 1 MB/s: about 16 s of transfer, time for every kill. */
    swprintf(url, ARRAYSIZE(url), L"http://127.0.0.1:%u/fault/id=%hs,slow=1000000/hostkill.bin", ht.fault_http,
             token);
    mgr = public_manager(CLSCTX_INPROC_SERVER);
    job = tu_create_job(mgr, L"killed and back", &id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url, dst));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    for (round = 0; round < KILL_ROUNDS; round++) {
        /* Wait for fresh bytes, and a second for the store to have them. */
        if (!tu_wait_bytes(job, last + KILL_FILE / (2 * KILL_ROUNDS), TU_WAIT_MS)) {
            HRESULT hr;
            BG_ERROR_CONTEXT context;

            print_error("round %d: state %s, bytes %llu\n", round, tu_state_name(tu_state(job)),
                        (unsigned long long)tu_progress(job).BytesTransferred);
            if (tu_state(job) == BG_JOB_STATE_TRANSIENT_ERROR || tu_state(job) == BG_JOB_STATE_ERROR) {
                ht_error(job, &hr, &context);
                print_error("error 0x%08lx context %d\n", (unsigned long)hr, (int)context);
            }
            fail();
        }
        assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &progress));
        last = progress.BytesTransferred;
        WaitForSingleObject(GetCurrentProcess(), 1200); /* the store's progress period */
        hu_kill_host(host_process(NULL));
        assert_false(tu_exists(dst)); /* never a partial file under the final name */
        IBackgroundCopyJob_Release(job);
        IBackgroundCopyManager_Release(mgr);
        mgr = public_manager(CLSCTX_INPROC_SERVER);
        assert_hr(S_OK, IBackgroundCopyManager_GetJob(mgr, &id, &job));
        assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &progress));
        assert_true(progress.BytesTransferred <= KILL_FILE);
        last = progress.BytesTransferred;
    }
    /* A clean stop mid-transfer keeps the bytes too: the stopping host
     * writes the job's last figures and leaves its temp file alone. */
    assert_true(tu_wait_bytes(job, last + KILL_FILE / (2 * KILL_ROUNDS), TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &progress));
    last = progress.BytesTransferred;
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    stop_host();
    mgr = public_manager(CLSCTX_INPROC_SERVER);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(mgr, &id, &job));
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &progress));
    assert_true(progress.BytesTransferred >= last);

    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_check_pattern(dst, KILL_FILE, 31));
    stats = ht_stats(token);
    n = ht_json_ranges(stats, ranges, 64);
    for (i = 0; i < n; i++)
        if (!strncmp(ranges[i], "bytes=", 6) && strncmp(ranges[i], "bytes=0-", 8))
            resumed++;
    print_message("%d GETs, %d of them resumed with a Range\n", n, resumed);
    assert_true(resumed >= KILL_ROUNDS + 1);
    free(stats);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
}

/* The info block's layout is the same in both bitnesses (hostinfo.h). */
static void test_info_layout(void **state)
{
    (void)state;
    assert_int_equal(40, offsetof(bitsdo_host_info, classes));
    assert_int_equal(24, offsetof(bitsdo_host_info, generation));
    assert_int_equal(32, offsetof(bitsdo_host_info, heartbeat));
}

static int group_teardown(void **state)
{
    stop_host();
    return tu_group_teardown(state);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_layout),
        cmocka_unit_test(test_job_shared_between_processes),
        cmocka_unit_test(test_local_server_is_the_same_host),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_killed_host_comes_back),
        cmocka_unit_test(test_idle_host_exits),
        cmocka_unit_test(test_job_survives_stop),
        cmocka_unit_test(test_credentials_not_stored),
        cmocka_unit_test(test_bad_records_set_aside),
        cmocka_unit_test(test_owner_filtering),
        cmocka_unit_test(test_kill_mid_transfer_resumes),
    };

    GetModuleFileNameW(NULL, self_path, ARRAYSIZE(self_path));
    if (argc >= 2 && !strcmp(argv[1], "child")) {
        int wargc;
        WCHAR **wargv = CommandLineToArgvW(GetCommandLineW(), &wargc);

        if (wargc >= 5 && !wcscmp(wargv[2], L"drive"))
            return child_drive(wargv[3], wargv[4]);
        return 1;
    }
    return cmocka_run_group_tests(tests, tu_group_setup, group_teardown);
}
