/* IBackgroundCopyFile .. File5 and IEnumBackgroundCopyFiles: names,
 * per-file progress, the temporary file, SetRemoteName, ranges.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

static IBackgroundCopyManager *mgr;

static int group_setup(void **state)
{
    if (tu_group_setup(state))
        return -1;
    mgr = tu_manager();
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

static void check_names(IBackgroundCopyFile *file, const WCHAR *remote, const WCHAR *local)
{
    LPWSTR s = NULL;

    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &s));
    assert_wstr_equal(s, remote);
    CoTaskMemFree(s);
    assert_hr(S_OK, IBackgroundCopyFile_GetLocalName(file, &s));
    assert_wstr_equal(s, local);
    CoTaskMemFree(s);
}

static void test_enum_files(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"enum files", NULL);
    IEnumBackgroundCopyFiles *e = NULL, *clone = NULL;
    IBackgroundCopyFile *items[5], *one = NULL;
    WCHAR remote[3][MAX_PATH], local[3][MAX_PATH], extra[MAX_PATH];
    ULONG count, fetched, i;

    (void)state;
    for (i = 0; i < 3; i++) {
        swprintf(remote[i], MAX_PATH, L"http://127.0.0.1/file%lu.bin", i);
        tu_path(local[i], MAX_PATH, L"enum%lu.bin", i);
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, remote[i], local[i]));
    }
    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(job, &e));
    assert_null_arg(IEnumBackgroundCopyFiles_GetCount(e, NULL));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_GetCount(e, &count));
    assert_int_equal(count, 3);

    /* In the order they were added. */
    for (i = 0; i < 3; i++) {
        assert_hr(S_OK, IEnumBackgroundCopyFiles_Next(e, 1, &one, &fetched));
        assert_int_equal(fetched, 1);
        check_names(one, remote[i], local[i]);
        IBackgroundCopyFile_Release(one);
    }
    fetched = 9;
    assert_hr(S_FALSE, IEnumBackgroundCopyFiles_Next(e, 1, &one, &fetched));
    assert_int_equal(fetched, 0);

    /* celt > 1 needs fetched; NULL array refused. */
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Reset(e));
    assert_hr(E_INVALIDARG, IEnumBackgroundCopyFiles_Next(e, 2, items, NULL));
    assert_null_arg(IEnumBackgroundCopyFiles_Next(e, 1, NULL, &fetched));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Next(e, 1, &one, NULL));
    check_names(one, remote[0], local[0]);
    IBackgroundCopyFile_Release(one);

    /* More than is left: S_FALSE with the rest. */
    assert_hr(S_FALSE, IEnumBackgroundCopyFiles_Next(e, 5, items, &fetched));
    assert_int_equal(fetched, 2);
    check_names(items[0], remote[1], local[1]);
    check_names(items[1], remote[2], local[2]);
    IBackgroundCopyFile_Release(items[0]);
    IBackgroundCopyFile_Release(items[1]);

    /* Skip and Clone. */
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Reset(e));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Skip(e, 2));
    assert_null_arg(IEnumBackgroundCopyFiles_Clone(e, NULL));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Clone(e, &clone));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Next(clone, 1, &one, &fetched));
    check_names(one, remote[2], local[2]);
    IBackgroundCopyFile_Release(one);
    assert_hr(S_FALSE, IEnumBackgroundCopyFiles_Next(clone, 1, &one, &fetched));
    /* The original still stands where it was. */
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Next(e, 1, &one, &fetched));
    check_names(one, remote[2], local[2]);
    IBackgroundCopyFile_Release(one);
    IEnumBackgroundCopyFiles_Release(clone);
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Reset(e));
    assert_hr(S_FALSE, IEnumBackgroundCopyFiles_Skip(e, 4));
    assert_hr(S_FALSE, IEnumBackgroundCopyFiles_Next(e, 1, &one, &fetched));
    assert_int_equal(fetched, 0);

    /* A snapshot: a file added later is not in this enumerator. */
    tu_path(extra, MAX_PATH, L"enum-extra.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1/extra.bin", extra));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_GetCount(e, &count));
    assert_int_equal(count, 3);
    IEnumBackgroundCopyFiles_Release(e);
    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(job, &e));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_GetCount(e, &count));
    assert_int_equal(count, 4);
    IEnumBackgroundCopyFiles_Release(e);

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_names_and_interfaces(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"names", NULL);
    IBackgroundCopyFile *file;
    IUnknown *unk, *other = (IUnknown *)(ULONG_PTR)1;
    WCHAR local[MAX_PATH];
    static const IID *const iids[] = {
        &IID_IUnknown, &IID_IBackgroundCopyFile, &IID_IBackgroundCopyFile2,
        &IID_IBackgroundCopyFile3, &IID_IBackgroundCopyFile4, &IID_IBackgroundCopyFile5,
    };
    size_t i;

    (void)state;
    tu_path(local, MAX_PATH, L"names.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"https://127.0.0.1:8443/a/b%20c.bin?x=1", local));
    file = tu_job_file(job, 0);
    check_names(file, L"https://127.0.0.1:8443/a/b%20c.bin?x=1", local);
    assert_null_arg(IBackgroundCopyFile_GetRemoteName(file, NULL));
    assert_null_arg(IBackgroundCopyFile_GetLocalName(file, NULL));
    assert_null_arg(IBackgroundCopyFile_GetProgress(file, NULL));
    for (i = 0; i < sizeof(iids) / sizeof(iids[0]); i++) {
        unk = tu_qi(file, iids[i]);
        IUnknown_Release(unk);
    }
    assert_hr(E_NOINTERFACE, IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyJob, (void **)&other));
    assert_null(other);
    IBackgroundCopyFile_Release(file);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_progress_and_ranges(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"file progress", NULL);
    IBackgroundCopyFile *file;
    IBackgroundCopyFile2 *file2;
    BG_FILE_PROGRESS fp;
    BG_JOB_PROGRESS jp;
    BG_FILE_RANGE *ranges = (BG_FILE_RANGE *)(ULONG_PTR)1;
    WCHAR src[MAX_PATH], local[MAX_PATH];
    const UINT64 size = 3 * TU_MB + 123;
    DWORD count = 99;

    (void)state;
    tu_path(src, MAX_PATH, L"progress.src");
    tu_path(local, MAX_PATH, L"progress.bin");
    tu_make_file(src, size, 3);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    file = tu_job_file(job, 0);

    /* Before the transfer: size unknown, nothing moved. */
    fp = tu_file_progress(file);
    assert_true(fp.BytesTotal == BG_SIZE_UNKNOWN);
    assert_true(fp.BytesTransferred == 0);
    assert_false(fp.Completed);
    jp = tu_progress(job);
    assert_true(jp.BytesTotal == BG_SIZE_UNKNOWN);
    assert_true(jp.BytesTransferred == 0);
    assert_int_equal(jp.FilesTotal, 1);
    assert_int_equal(jp.FilesTransferred, 0);

    /* No ranges: the whole file. */
    file2 = tu_qi(file, &IID_IBackgroundCopyFile2);
    assert_null_arg(IBackgroundCopyFile2_GetFileRanges(file2, NULL, &ranges));
    assert_null_arg(IBackgroundCopyFile2_GetFileRanges(file2, &count, NULL));
    assert_hr(S_OK, IBackgroundCopyFile2_GetFileRanges(file2, &count, &ranges));
    assert_int_equal(count, 0);
    assert_null(ranges);

    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));

    /* After: exact. */
    fp = tu_file_progress(file);
    assert_true(fp.BytesTotal == size);
    assert_true(fp.BytesTransferred == size);
    assert_true(fp.Completed);
    jp = tu_progress(job);
    assert_true(jp.BytesTotal == size);
    assert_true(jp.BytesTransferred == size);
    assert_int_equal(jp.FilesTransferred, 1);
    assert_hr(S_OK, IBackgroundCopyFile2_GetFileRanges(file2, &count, &ranges));
    assert_int_equal(count, 0);

    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    /* A file object outlives its job's completion and still answers. */
    fp = tu_file_progress(file);
    assert_true(fp.BytesTransferred == size && fp.Completed);
    check_names(file, src, local);
    assert_true(tu_check_pattern(local, size, 3));
    IBackgroundCopyFile2_Release(file2);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyJob_Release(job);
}

static void test_empty_file(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"empty file", NULL);
    IBackgroundCopyFile *file;
    BG_FILE_PROGRESS fp;
    WCHAR src[MAX_PATH], local[MAX_PATH];

    (void)state;
    tu_path(src, MAX_PATH, L"empty.src");
    tu_path(local, MAX_PATH, L"empty.bin");
    tu_make_file(src, 0, 1);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    file = tu_job_file(job, 0);
    fp = tu_file_progress(file);
    assert_true(fp.BytesTotal == 0 && fp.BytesTransferred == 0 && fp.Completed);
    IBackgroundCopyFile_Release(file);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_file_size(local) == 0);
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(job);
}

static void test_temporary_name(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"temporary name", NULL);
    IBackgroundCopyFile *file;
    IBackgroundCopyFile3 *file3;
    WCHAR src[MAX_PATH], local[MAX_PATH], dir[MAX_PATH];
    LPWSTR temp = NULL, again = NULL;
    const WCHAR *base;
    const UINT64 size = 96ull * TU_MB;
    BG_FILE_PROGRESS fp;
    UINT64 on_disk;
    DWORD attrs;

    (void)state;
    tu_path(src, MAX_PATH, L"temp.src");
    tu_path(local, MAX_PATH, L"temp.bin");
    tu_make_file(src, size, 9);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    file = tu_job_file(job, 0);
    file3 = tu_qi(file, &IID_IBackgroundCopyFile3);
    assert_null_arg(IBackgroundCopyFile3_GetTemporaryName(file3, NULL));

    /* Suspend mid-way. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_bytes(job, 1, TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Suspend(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    fp = tu_file_progress(file);
    print_message("suspended at %llu of %llu bytes\n", (unsigned long long)fp.BytesTransferred,
                  (unsigned long long)size);
    assert_true(fp.BytesTransferred > 0 && fp.BytesTransferred < size);
    assert_false(fp.Completed);

    assert_hr(S_OK, IBackgroundCopyFile3_GetTemporaryName(file3, &temp));
    assert_non_null(temp);
    print_message("temporary file: %ls\n", temp);
    /* In the destination's folder, named BIT*.tmp, hidden, partly written. */
    wcscpy(dir, temp);
    *wcsrchr(dir, L'\\') = 0;
    assert_int_equal(_wcsicmp(dir, tu_dir()), 0);
    base = wcsrchr(temp, L'\\') + 1;
    assert_int_equal(_wcsnicmp(base, L"BIT", 3), 0);
    assert_int_equal(_wcsicmp(base + wcslen(base) - 4, L".tmp"), 0);
    attrs = GetFileAttributesW(temp);
    assert_true(attrs != INVALID_FILE_ATTRIBUTES);
    assert_true(attrs & FILE_ATTRIBUTE_HIDDEN);
    on_disk = tu_file_size(temp);
    assert_true(on_disk > 0 && on_disk < size);
    assert_int_equal(tu_count_temp_files(tu_dir()), 1);
    assert_false(tu_exists(local));

    /* Resumed: the same temporary file, then renamed into place. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyFile3_GetTemporaryName(file3, &again));
    assert_wstr_equal(again, temp);
    CoTaskMemFree(again);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_false(tu_exists(temp));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    assert_true(tu_files_equal(src, local));
    /* The renamed file is not hidden. */
    assert_false(GetFileAttributesW(local) & FILE_ATTRIBUTE_HIDDEN);
    CoTaskMemFree(temp);
    IBackgroundCopyFile3_Release(file3);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);
    DeleteFileW(src);
}

static void test_set_remote_name(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"set remote name", NULL);
    IBackgroundCopyFile *file;
    IBackgroundCopyFile2 *file2;
    WCHAR src1[MAX_PATH], src2[MAX_PATH], local[MAX_PATH], url[MAX_PATH];
    LPWSTR s = NULL;

    (void)state;
    tu_path(src1, MAX_PATH, L"first.src");
    tu_path(src2, MAX_PATH, L"second.src");
    tu_path(local, MAX_PATH, L"renamed.bin");
    tu_make_file(src2, 2 * TU_MB, 77);
    DeleteFileW(src1);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src1, local));
    file = tu_job_file(job, 0);
    file2 = tu_qi(file, &IID_IBackgroundCopyFile2);

    assert_null_arg(IBackgroundCopyFile2_SetRemoteName(file2, NULL));
    assert_hr(E_INVALIDARG, IBackgroundCopyFile2_SetRemoteName(file2, L"relative.src"));
    assert_hr(E_INVALIDARG, IBackgroundCopyFile2_SetRemoteName(file2, L"ftp://127.0.0.1/x"));
    assert_hr(E_INVALIDARG, IBackgroundCopyFile2_SetRemoteName(file2, L""));
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &s));
    assert_wstr_equal(s, src1);
    CoTaskMemFree(s);

    /* The new name is used by the transfer. */
    assert_hr(S_OK, IBackgroundCopyFile2_SetRemoteName(file2, src2));
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &s));
    assert_wstr_equal(s, src2);
    CoTaskMemFree(s);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_files_equal(src2, local));

    IBackgroundCopyFile2_Release(file2);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);

    /* Changing the protocol (SMB to HTTP) is what the method is for. */
    job = tu_create_job(mgr, L"change protocol", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src2, local));
    file = tu_job_file(job, 0);
    file2 = tu_qi(file, &IID_IBackgroundCopyFile2);
    wcscpy(url, L"http://127.0.0.1:1/second.src");
    assert_hr(S_OK, IBackgroundCopyFile2_SetRemoteName(file2, url));
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &s));
    assert_wstr_equal(s, url);
    CoTaskMemFree(s);
    assert_hr(S_OK, IBackgroundCopyFile2_SetRemoteName(file2, src2));
    IBackgroundCopyFile2_Release(file2);
    IBackgroundCopyFile_Release(file);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_file3_file5_misc(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"file3", NULL);
    IBackgroundCopyFile *file;
    IBackgroundCopyFile5 *file5;
    WCHAR local[MAX_PATH];
    BOOL b = TRUE;
    UINT64 origin = 1, peers = 1;

    (void)state;
    tu_path(local, MAX_PATH, L"misc.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1/misc.bin", local));
    file = tu_job_file(job, 0);
    file5 = tu_qi(file, &IID_IBackgroundCopyFile5);
    assert_hr(S_OK, IBackgroundCopyFile5_GetValidationState(file5, &b));
    assert_false(b);
    assert_null_arg(IBackgroundCopyFile5_GetValidationState(file5, NULL));
    assert_hr(S_OK, IBackgroundCopyFile5_IsDownloadedFromPeer(file5, &b));
    assert_false(b);
    assert_null_arg(IBackgroundCopyFile5_IsDownloadedFromPeer(file5, NULL));
    assert_hr(S_OK, IBackgroundCopyFile5_GetPeerDownloadStats(file5, &origin, &peers));
    assert_true(origin == 0 && peers == 0);
    assert_null_arg(IBackgroundCopyFile5_GetPeerDownloadStats(file5, NULL, &peers));
    IBackgroundCopyFile5_Release(file5);
    IBackgroundCopyFile_Release(file);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_enum_files, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_names_and_interfaces, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_progress_and_ranges, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_empty_file, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_temporary_name, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_set_remote_name, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_file3_file5_misc, tu_cancel_all_jobs),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
