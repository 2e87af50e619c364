/* A process that ends without Cancel or Complete leaves no hidden BIT*.tmp
 * behind: the DLL deletes its jobs' temp files at DLL_PROCESS_DETACH.
 *
 * The test runs itself as a child process ("child suspended DIR" or "child
 * transferring DIR URL"): the child makes a private job that writes a temp
 * file into DIR, checks the temp file is there, and ends with ExitProcess
 * while the job is suspended with part of the file in, or while the
 * fault server is still trickling the body in (the temp file open in the
 * worker thread). The parent checks the child saw its temp file (exit code
 * 0) and that none is left.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <shellapi.h>
#include <stdlib.h>
#include <string.h>

#define CHILD_WAIT_MS 120000

/* --- the child ---------------------------------------------------------------- */

enum {
    CHILD_OK = 0,
    CHILD_NO_COM = 10,
    CHILD_NO_JOB,
    CHILD_NO_BYTES,
    CHILD_NO_TEMP,
    CHILD_BAD_STATE
};

static UINT64 child_bytes(IBackgroundCopyJob *job, BG_JOB_STATE *state)
{
    BG_JOB_PROGRESS p = {0};

    IBackgroundCopyJob_GetProgress(job, &p);
    IBackgroundCopyJob_GetState(job, state);
    return p.BytesTransferred;
}

static BOOL child_has_bytes(void *ctx)
{
    BG_JOB_STATE state;

    return child_bytes(ctx, &state) > 0 || state == BG_JOB_STATE_ERROR;
}

static int child_main(const WCHAR *mode, const WCHAR *dir, const WCHAR *url)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    WCHAR src[MAX_PATH], local[MAX_PATH];
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    GUID id;
    BOOL transferring = !wcscmp(mode, L"transferring");

    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) ||
        FAILED(CoCreateInstance(&CLSID_BitsdoPrivateManager,
                                NULL,
                                CLSCTX_INPROC_SERVER,
                                &IID_IBackgroundCopyManager,
                                (void **)&mgr)))
        return CHILD_NO_COM;
    swprintf(local, MAX_PATH, L"%ls\\%ls.out", dir, mode);
    if (!transferring) {
        swprintf(src, MAX_PATH, L"%ls\\litter.src", dir);
        tu_make_file(src, 16 * TU_MB, 81);
        url = src;
    }
    if (FAILED(IBackgroundCopyManager_CreateJob(mgr, L"litter", BG_JOB_TYPE_DOWNLOAD, &id, &job)) ||
        FAILED(IBackgroundCopyJob_AddFile(job, url, local)) || FAILED(IBackgroundCopyJob_Resume(job)))
        return CHILD_NO_JOB;
    if (!tu_wait_until(child_has_bytes, job, 60000) || !child_bytes(job, &state))
        return CHILD_NO_BYTES;
    if (transferring) {
        if (state != BG_JOB_STATE_TRANSFERRING)
            return CHILD_BAD_STATE;
    } else {
        /* Suspended with part of the file in (or all of it, if the copy
         * won the race: then TRANSFERRED and never completed). */
        IBackgroundCopyJob_Suspend(job);
    }
    if (tu_count_temp_files(dir) != 1)
        return CHILD_NO_TEMP;
    printf("child %ls: %llu bytes in, temp file there; ExitProcess\n",
           mode,
           (unsigned long long)child_bytes(job, &state));
    fflush(stdout);
    /* No Cancel, no Complete, no Release, no CoUninitialize. */
    ExitProcess(CHILD_OK);
}

/* --- the parent --------------------------------------------------------------- */

static int group_setup(void **state)
{
    return tu_group_setup(state) || !ht_init() ? -1 : 0;
}

static DWORD run_child(const WCHAR *mode, const WCHAR *dir, const WCHAR *url)
{
    WCHAR exe[MAX_PATH], cmd[4 * MAX_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 0xdead;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    swprintf(cmd, ARRAYSIZE(cmd), L"\"%ls\" child %ls \"%ls\" \"%ls\"", exe, mode, dir, url ? url : L"-");
    assert_true(CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    if (WaitForSingleObject(pi.hProcess, CHILD_WAIT_MS) != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 1);
        fail_msg("the child did not end within %u ms", CHILD_WAIT_MS);
    }
    assert_true(GetExitCodeProcess(pi.hProcess, &code));
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

static BOOL no_temp_files(void *dir)
{
    return tu_count_temp_files(dir) == 0;
}

static void check_no_litter(const WCHAR *mode, const WCHAR *url)
{
    WCHAR dir[MAX_PATH], local[MAX_PATH];

    tu_path(dir, MAX_PATH, L"litter-%ls", mode);
    assert_true(tu_mkdirs(dir));
    tu_empty_dir(dir);
    assert_int_equal(run_child(mode, dir, url), CHILD_OK);
    /* The child's handles close as Wine tears the dead process down, which
     * may end a moment after the process is signalled: a bounded wait. */
    assert_true(tu_wait_until(no_temp_files, dir, 10000));
    swprintf(local, MAX_PATH, L"%ls\\%ls.out", dir, mode);
    assert_false(tu_exists(local)); /* never completed: never there */
}

static void test_exit_while_suspended(void **state)
{
    (void)state;
    check_no_litter(L"suspended", NULL);
}

static void test_exit_while_transferring(void **state)
{
    WCHAR url[512], src[MAX_PATH];
    char token[64];

    (void)state;
    ht_make(src, MAX_PATH, L"litter-slow.src", 4 * TU_MB, 82);
    ht_token(token, sizeof(token), "litter");
    /* 64 KB/s: minutes for the file, so the exit always cuts it short. */
    swprintf(url,
             ARRAYSIZE(url),
             L"http://127.0.0.1:%u/fault/slow=65536,id=%hs/litter-slow.src",
             ht.fault_http,
             token);
    check_no_litter(L"transferring", url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_while_suspended),
        cmocka_unit_test(test_exit_while_transferring),
    };
    int argc = 0;
    WCHAR **argv = CommandLineToArgvW(GetCommandLineW(), &argc);

    if (argv && argc >= 5 && !wcscmp(argv[1], L"child"))
        return child_main(argv[2], argv[3], argv[4]);
    return cmocka_run_group_tests(tests, group_setup, tu_group_teardown);
}
