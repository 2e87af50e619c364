/* The per-user host (docs/hosting.md): the public classes, activated from
 * several real processes, all reach one bitsdo-host.exe, which runs every
 * job; a job made in one process is found, driven and completed from
 * another; the host comes back after a hard kill; it leaves when idle or
 * when asked to stop.
 *
 * The test program is its own second process: run with "child ..." it does
 * one step and reports through its exit code.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"
#include "hostinfo.h"

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

/* The host's info block as published now (FALSE if there is none). */
static BOOL read_info(bitsdo_host_info *info)
{
    WCHAR name[256];
    HANDLE mapping;
    const bitsdo_host_info *view;
    BOOL ok;

    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_INFO, name, ARRAYSIZE(name)) ||
        !(mapping = OpenFileMappingW(FILE_MAP_READ, FALSE, name)))
        return FALSE;
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, sizeof(*view));
    CloseHandle(mapping);
    if (!view)
        return FALSE;
    ok = bitsdo_host_info_read(view, info);
    UnmapViewOfFile(view);
    return ok && info->magic == BITSDO_HOST_INFO_MAGIC;
}

/* The running host's process (SYNCHRONIZE | PROCESS_TERMINATE), or NULL. */
static HANDLE host_process(DWORD *pid)
{
    bitsdo_host_info *info = malloc(sizeof(*info));
    HANDLE process = NULL;

    assert_non_null(info);
    if (read_info(info) && info->state == BITSDO_HOST_READY) {
        process = OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE, FALSE, info->pid);
        if (pid)
            *pid = info->pid;
    }
    free(info);
    return process;
}

/* Runs a program with arguments, waits (bounded), returns its exit code. */
static DWORD run_program(const WCHAR *program, const WCHAR *args)
{
    WCHAR cmd[1024];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 0xdead;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    swprintf(cmd, ARRAYSIZE(cmd), L"\"%ls\" %ls", program, args);
    assert_true(CreateProcessW(program, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    CloseHandle(pi.hThread);
    assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(pi.hProcess, CHILD_WAIT_MS));
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    return code;
}

static DWORD run_child(const WCHAR *args)
{
    return run_program(self_path, args);
}

static void stop_host(void)
{
    WCHAR host[MAX_PATH], *slash;

    wcscpy(host, self_path);
    slash = wcsrchr(host, L'\\');
    assert_non_null(slash);
    wcscpy(slash + 1, L"bitsdo-host.exe");
    assert_int_equal(0, run_program(host, L"-Stop"));
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
    BG_JOB_STATE job_state;
    HANDLE process;
    DWORD pid = 0, new_pid = 0;
    HRESULT hr;
    GUID id;

    (void)state;
    job = tu_create_job(mgr, L"outlived", &id);
    process = host_process(&pid);
    assert_non_null(process);
    assert_true(TerminateProcess(process, 9));
    assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(process, 10000));
    CloseHandle(process);

    hr = IBackgroundCopyJob_GetState(job, &job_state);
    assert_true(hr == RPC_S_SERVER_UNAVAILABLE || hr == HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) ||
                hr == RPC_E_DISCONNECTED || hr == CO_E_OBJNOTCONNECTED || hr == RPC_E_SERVER_DIED ||
                hr == RPC_E_SERVER_DIED_DNE);

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
    assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(process, 0));
    CloseHandle(process);
    mgr = public_manager(CLSCTX_INPROC_SERVER);
    process = host_process(NULL);
    assert_non_null(process);
    CloseHandle(process);
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
