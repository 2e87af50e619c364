/* BITS's job limits from Windows' policy key
 * (HKLM\SOFTWARE\Policies\Microsoft\Windows\BITS: MaxJobsPerUser,
 * MaxJobsPerMachine, MaxFilesPerJob, MaxRangesPerFile), and the
 * per-process overrides BITSDO_POLICY_<name> (src/transfer/policy.h). The
 * test writes the machine-wide key of the prefix, so it runs alone
 * (RUN_SERIAL).
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#include <stdio.h>

#define BITS_KEY L"SOFTWARE\\Policies\\Microsoft\\Windows\\BITS"

static IBackgroundCopyManager *mgr;
static const WCHAR *const names[] = {L"MaxJobsPerUser", L"MaxJobsPerMachine", L"MaxFilesPerJob",
                                     L"MaxRangesPerFile"};

static void clear_policies(void)
{
    tu_policy_clear(BITS_KEY, names, ARRAYSIZE(names));
}

static int setup(void **state)
{
    (void)state;
    clear_policies();
    mgr = tu_manager();
    return mgr ? 0 : -1;
}

static int teardown(void **state)
{
    tu_cancel_all_jobs(state);
    IBackgroundCopyManager_Release(mgr);
    mgr = NULL;
    clear_policies();
    return 0;
}

static HRESULT add_file(IBackgroundCopyJob *job, int i)
{
    WCHAR remote[64], local[MAX_PATH], name[32];

    swprintf(remote, ARRAYSIZE(remote), L"http://127.0.0.1:1/f%d", i);
    swprintf(name, ARRAYSIZE(name), L"f%d.out", i);
    tu_path(local, ARRAYSIZE(local), name);
    return IBackgroundCopyJob_AddFile(job, remote, local);
}

static ULONG file_count(IBackgroundCopyJob *job)
{
    BG_JOB_PROGRESS p = tu_progress(job);
    return p.FilesTotal;
}

/* MaxFilesPerJob below and above the default of 200; AddFileSet stays all
 * or nothing at the limit. */
static void test_files_per_job(void **state)
{
    IBackgroundCopyJob *job;
    BG_FILE_INFO set[2];
    WCHAR l0[MAX_PATH], l1[MAX_PATH];
    int i;

    (void)state;
    tu_policy_set(L"MaxFilesPerJob", L"3");
    job = tu_create_job(mgr, L"three files", NULL);
    for (i = 0; i < 2; i++)
        assert_hr(S_OK, add_file(job, i));
    tu_path(l0, ARRAYSIZE(l0), L"s0.out");
    tu_path(l1, ARRAYSIZE(l1), L"s1.out");
    set[0].RemoteName = L"http://127.0.0.1:1/s0";
    set[0].LocalName = l0;
    set[1].RemoteName = L"http://127.0.0.1:1/s1";
    set[1].LocalName = l1;
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, IBackgroundCopyJob_AddFileSet(job, 2, set));
    assert_int_equal(file_count(job), 2);
    assert_hr(S_OK, add_file(job, 2));
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, add_file(job, 3));
    assert_int_equal(file_count(job), 3);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);

    /* Raised: 250 files where the default stops at 200. */
    tu_policy_set(L"MaxFilesPerJob", L"250");
    job = tu_create_job(mgr, L"250 files", NULL);
    for (i = 0; i < 250; i++)
        assert_hr(S_OK, add_file(job, i));
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, add_file(job, 250));
    assert_int_equal(file_count(job), 250);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);

    /* Not configured: the default. */
    tu_policy_set(L"MaxFilesPerJob", NULL);
    job = tu_create_job(mgr, L"default", NULL);
    for (i = 0; i < 200; i++)
        assert_hr(S_OK, add_file(job, i));
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, add_file(job, 200));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_ranges_per_file(void **state)
{
    BG_FILE_RANGE ranges[3] = {{0, 10}, {100, 10}, {200, 10}};
    IBackgroundCopyJob *job;
    IBackgroundCopyJob3 *job3;
    WCHAR local[MAX_PATH];

    (void)state;
    tu_policy_set(L"MaxRangesPerFile", L"2");
    job = tu_create_job(mgr, L"ranges", NULL);
    job3 = tu_qi(job, &IID_IBackgroundCopyJob3);
    tu_path(local, ARRAYSIZE(local), L"r.out");
    assert_hr(BG_E_TOO_MANY_RANGES_IN_FILE,
              IBackgroundCopyJob3_AddFileWithRanges(job3, L"http://127.0.0.1:1/r", local, 3, ranges));
    assert_hr(S_OK, IBackgroundCopyJob3_AddFileWithRanges(job3, L"http://127.0.0.1:1/r", local, 2, ranges));
    IBackgroundCopyJob3_Release(job3);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_jobs_per_user_and_machine(void **state)
{
    IBackgroundCopyJob *a, *b, *c = NULL;
    GUID id;

    (void)state;
    tu_policy_set(L"MaxJobsPerUser", L"2");
    a = tu_create_job(mgr, L"a", NULL);
    b = tu_create_job(mgr, L"b", NULL);
    assert_hr(BG_E_TOO_MANY_JOBS_PER_USER, IBackgroundCopyManager_CreateJob(mgr, L"c", BG_JOB_TYPE_DOWNLOAD, &id, &c));
    assert_null(c);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(b));
    IBackgroundCopyJob_Release(b);
    b = tu_create_job(mgr, L"b again", NULL); /* a place is free once one is cancelled */

    tu_policy_set(L"MaxJobsPerUser", NULL);
    tu_policy_set(L"MaxJobsPerMachine", L"2");
    assert_hr(BG_E_TOO_MANY_JOBS_PER_MACHINE,
              IBackgroundCopyManager_CreateJob(mgr, L"c", BG_JOB_TYPE_DOWNLOAD, &id, &c));
    tu_policy_set(L"MaxJobsPerMachine", L"0"); /* 0: not configured, Windows' 300 */
    c = tu_create_job(mgr, L"c", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(a));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(b));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(c));
    IBackgroundCopyJob_Release(a);
    IBackgroundCopyJob_Release(b);
    IBackgroundCopyJob_Release(c);
}

/* The documented key itself; an empty override means "not configured". */
static void test_registry_key(void **state)
{
    IBackgroundCopyJob *job;
    DWORD two = 2;

    (void)state;
    assert_int_equal(RegSetKeyValueW(HKEY_LOCAL_MACHINE, BITS_KEY, L"MaxFilesPerJob", REG_DWORD, &two, sizeof(two)),
                     ERROR_SUCCESS);
    job = tu_create_job(mgr, L"registry", NULL);
    assert_hr(S_OK, add_file(job, 0));
    assert_hr(S_OK, add_file(job, 1));
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, add_file(job, 2));
    tu_policy_set(L"MaxFilesPerJob", L"");
    assert_hr(S_OK, add_file(job, 2));
    tu_policy_set(L"MaxFilesPerJob", L"3");
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, add_file(job, 3));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_per_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges_per_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs_per_user_and_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry_key, setup, teardown),
    };
    return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
