/* IBackgroundCopyJob .. Job5: bad input for every method, property round
 * trips, the state table, the error state, Job5 properties and the list of
 * methods that say E_NOTIMPL.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

static IBackgroundCopyManager *mgr;
static WCHAR small_src[MAX_PATH]; /* 256 KiB pattern file */
#define SMALL_SIZE (256u * 1024u)
#define SMALL_SEED 11

static int group_setup(void **state)
{
    if (tu_group_setup(state))
        return -1;
    mgr = tu_manager();
    tu_path(small_src, MAX_PATH, L"small.src");
    tu_make_file(small_src, SMALL_SIZE, SMALL_SEED);
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

static ULONG file_count(IBackgroundCopyJob *job)
{
    IEnumBackgroundCopyFiles *e = NULL;
    ULONG n = 0;

    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(job, &e));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_GetCount(e, &n));
    IEnumBackgroundCopyFiles_Release(e);
    return n;
}

static void test_add_file_bad_input(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"bad input", NULL);
    WCHAR local[MAX_PATH], path[MAX_PATH], *long_url;
    size_t i;

    (void)state;
    tu_path(local, MAX_PATH, L"dest.bin");

    /* NULL names. */
    assert_null_arg(IBackgroundCopyJob_AddFile(job, NULL, local));
    assert_null_arg(IBackgroundCopyJob_AddFile(job, small_src, NULL));

    /* Local names: relative, in a missing folder, \\?\, a stream, a folder. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, L"dest.bin"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, L"sub\\dest.bin"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, L"..\\dest.bin"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, L"\\dest.bin"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, L"C:dest.bin"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, L""));
    tu_path(path, MAX_PATH, L"no such folder\\dest.bin");
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, path));
    swprintf(path, MAX_PATH, L"\\\\?\\%ls", local);
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, path));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, L"C:\\a:b"));
    tu_path(path, MAX_PATH, L"dest.bin:stream");
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, path));
    tu_path(path, MAX_PATH, L"");  /* the folder itself, with a trailing '\' */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, path));
    tu_path(path, MAX_PATH, L"dest*.bin");
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, path));

    /* Remote names: unsupported schemes, relative, \\?\, empty, too long. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, L"ftp://127.0.0.1/file.bin", local));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, L"gopher://127.0.0.1/file.bin", local));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, L"mailto:someone@example.com", local));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, L"small.src", local));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, L"", local));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, L"http://", local));
    swprintf(path, MAX_PATH, L"\\\\?\\%ls", small_src);
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, path, local));
    long_url = malloc(2300 * sizeof(WCHAR));
    assert_non_null(long_url);
    wcscpy(long_url, L"http://127.0.0.1/");
    for (i = wcslen(long_url); i < 2201; i++)
        long_url[i] = (i % 100) ? L'a' : L'/';
    long_url[2201] = 0;
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, long_url, local));
    free(long_url);

    /* Nothing was added by any of these. */
    assert_int_equal(file_count(job), 0);

    /* The accepted forms (each to its own local file: two files of a job
     * may not end in one). */
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, small_src, local));
    tu_path(path, MAX_PATH, L"dest2.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1:8080/dir/file.bin", path));
    tu_path(path, MAX_PATH, L"dest3.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"https://127.0.0.1/file.bin", path));
    tu_path(path, MAX_PATH, L"dest4.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"\\\\server\\share\\file.bin", path));
    tu_path(local, MAX_PATH, L"dest5.bin");
    tu_file_url(path, MAX_PATH, small_src);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, path, local));
    assert_int_equal(file_count(job), 5);
    /* The same final file again, however spelled: refused. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, local));
    CharUpperW(local + wcslen(tu_dir()) + 1);
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, small_src, local));
    assert_int_equal(file_count(job), 5);

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_add_file_set(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"file set", NULL);
    WCHAR l1[MAX_PATH], l2[MAX_PATH], l3[MAX_PATH], missing[MAX_PATH];
    BG_FILE_INFO set[3];

    (void)state;
    tu_path(l1, MAX_PATH, L"set1.bin");
    tu_path(l2, MAX_PATH, L"set2.bin");
    tu_path(l3, MAX_PATH, L"set3.bin");
    tu_path(missing, MAX_PATH, L"missing folder\\set.bin");

    assert_null_arg(IBackgroundCopyJob_AddFileSet(job, 1, NULL));
    set[0].RemoteName = small_src;
    set[0].LocalName = NULL;
    assert_null_arg(IBackgroundCopyJob_AddFileSet(job, 1, set));

    /* One bad entry: none of the set is added. */
    set[0].RemoteName = small_src;
    set[0].LocalName = l1;
    set[1].RemoteName = L"ftp://127.0.0.1/x";
    set[1].LocalName = l2;
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFileSet(job, 2, set));
    assert_int_equal(file_count(job), 0);
    set[1].RemoteName = small_src;
    set[1].LocalName = L"relative.bin";
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFileSet(job, 2, set));
    assert_int_equal(file_count(job), 0);
    /* A local name in a missing folder is as bad as any other. */
    set[1].LocalName = missing;
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFileSet(job, 2, set));
    assert_int_equal(file_count(job), 0);

    set[1].LocalName = l2;
    set[2].RemoteName = small_src;
    set[2].LocalName = l3;
    assert_hr(S_OK, IBackgroundCopyJob_AddFileSet(job, 3, set));
    assert_int_equal(file_count(job), 3);
    assert_int_equal(tu_progress(job).FilesTotal, 3);

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_too_many_files(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"200 files", NULL);
    WCHAR local[MAX_PATH], l2[MAX_PATH];
    BG_FILE_INFO set[2];
    int i;

    (void)state;
    for (i = 0; i < 200; i++) {
        tu_path(local, MAX_PATH, L"many%03d.bin", i);
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, small_src, local));
    }
    assert_int_equal(file_count(job), 200);
    /* The 201st, by AddFile and by AddFileSet (the per-job limit). */
    tu_path(local, MAX_PATH, L"many200.bin");
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, IBackgroundCopyJob_AddFile(job, small_src, local));
    set[0].RemoteName = small_src;
    set[0].LocalName = local;
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, IBackgroundCopyJob_AddFileSet(job, 1, set));
    assert_int_equal(file_count(job), 200);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);

    /* A set that would cross the limit adds nothing. */
    job = tu_create_job(mgr, L"199 files", NULL);
    for (i = 0; i < 199; i++) {
        tu_path(local, MAX_PATH, L"many%03d.bin", i);
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, small_src, local));
    }
    tu_path(local, MAX_PATH, L"extra1.bin");
    tu_path(l2, MAX_PATH, L"extra2.bin");
    set[0].RemoteName = small_src;
    set[0].LocalName = local;
    set[1].RemoteName = small_src;
    set[1].LocalName = l2;
    assert_hr(BG_E_TOO_MANY_FILES_IN_JOB, IBackgroundCopyJob_AddFileSet(job, 2, set));
    assert_int_equal(file_count(job), 199);
    assert_hr(S_OK, IBackgroundCopyJob_AddFileSet(job, 1, set));
    assert_int_equal(file_count(job), 200);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_string_properties(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"strings", NULL);
    WCHAR big[1100];
    LPWSTR s = NULL;

    (void)state;
    assert_null_arg(IBackgroundCopyJob_GetDisplayName(job, NULL));
    assert_null_arg(IBackgroundCopyJob_GetDescription(job, NULL));
    assert_null_arg(IBackgroundCopyJob_SetDisplayName(job, NULL));
    assert_null_arg(IBackgroundCopyJob_SetDescription(job, NULL));

    assert_hr(S_OK, IBackgroundCopyJob_SetDisplayName(job, L"new name \x00e9"));
    assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(job, &s));
    assert_wstr_equal(s, L"new name \x00e9");
    CoTaskMemFree(s);

    /* Description: empty by default, up to 1024 characters. */
    assert_hr(S_OK, IBackgroundCopyJob_GetDescription(job, &s));
    assert_wstr_equal(s, L"");
    CoTaskMemFree(s);
    wmemset(big, L'd', 1024);
    big[1024] = 0;
    assert_hr(S_OK, IBackgroundCopyJob_SetDescription(job, big));
    assert_hr(S_OK, IBackgroundCopyJob_GetDescription(job, &s));
    assert_wstr_equal(s, big);
    CoTaskMemFree(s);
    big[1024] = L'd';
    big[1025] = 0;
    assert_hr(BG_E_STRING_TOO_LONG, IBackgroundCopyJob_SetDescription(job, big));
    /* Display name: up to 256 characters. */
    big[256] = 0;
    assert_hr(S_OK, IBackgroundCopyJob_SetDisplayName(job, big));
    big[256] = L'd';
    big[257] = 0;
    assert_hr(BG_E_STRING_TOO_LONG, IBackgroundCopyJob_SetDisplayName(job, big));
    big[256] = 0;
    assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(job, &s));
    assert_wstr_equal(s, big);
    CoTaskMemFree(s);

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_numeric_properties(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"numbers", NULL);
    BG_JOB_PRIORITY prio;
    ULONG v;
    int p;

    (void)state;
    /* Priority: NORMAL by default, FOREGROUND..LOW, anything else E_NOTIMPL. */
    assert_hr(S_OK, IBackgroundCopyJob_GetPriority(job, &prio));
    assert_int_equal(prio, BG_JOB_PRIORITY_NORMAL);
    for (p = BG_JOB_PRIORITY_FOREGROUND; p <= BG_JOB_PRIORITY_LOW; p++) {
        assert_hr(S_OK, IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)p));
        assert_hr(S_OK, IBackgroundCopyJob_GetPriority(job, &prio));
        assert_int_equal(prio, p);
    }
    assert_hr(E_NOTIMPL, IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)4));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)-1));
    assert_hr(S_OK, IBackgroundCopyJob_GetPriority(job, &prio));
    assert_int_equal(prio, BG_JOB_PRIORITY_LOW);
    assert_null_arg(IBackgroundCopyJob_GetPriority(job, NULL));

    /* Notify flags: TRANSFERRED|ERROR by default; unknown bits E_NOTIMPL. */
    assert_hr(S_OK, IBackgroundCopyJob_GetNotifyFlags(job, &v));
    assert_int_equal(v, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED));
    assert_hr(S_OK, IBackgroundCopyJob_GetNotifyFlags(job, &v));
    assert_int_equal(v, BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_DISABLE));
    assert_hr(S_OK, IBackgroundCopyJob_GetNotifyFlags(job, &v));
    assert_int_equal(v, BG_NOTIFY_DISABLE);
    assert_hr(E_NOTIMPL, IBackgroundCopyJob_SetNotifyFlags(job, 0x40));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob_SetNotifyFlags(job, 0x80000000 | BG_NOTIFY_JOB_ERROR));
    assert_hr(S_OK, IBackgroundCopyJob_GetNotifyFlags(job, &v));
    assert_int_equal(v, BG_NOTIFY_DISABLE);
    assert_null_arg(IBackgroundCopyJob_GetNotifyFlags(job, NULL));

    /* Minimum retry delay: 600 s by default, never below 5 s. */
    assert_hr(S_OK, IBackgroundCopyJob_GetMinimumRetryDelay(job, &v));
    assert_int_equal(v, 600);
    assert_hr(S_OK, IBackgroundCopyJob_SetMinimumRetryDelay(job, 0));
    assert_hr(S_OK, IBackgroundCopyJob_GetMinimumRetryDelay(job, &v));
    assert_int_equal(v, 5);
    assert_hr(S_OK, IBackgroundCopyJob_SetMinimumRetryDelay(job, 4));
    assert_hr(S_OK, IBackgroundCopyJob_GetMinimumRetryDelay(job, &v));
    assert_int_equal(v, 5);
    assert_hr(S_OK, IBackgroundCopyJob_SetMinimumRetryDelay(job, 77));
    assert_hr(S_OK, IBackgroundCopyJob_GetMinimumRetryDelay(job, &v));
    assert_int_equal(v, 77);
    assert_null_arg(IBackgroundCopyJob_GetMinimumRetryDelay(job, NULL));

    /* No-progress timeout: 14 days by default, 0 allowed (fail at once). */
    assert_hr(S_OK, IBackgroundCopyJob_GetNoProgressTimeout(job, &v));
    assert_int_equal(v, 1209600);
    assert_hr(S_OK, IBackgroundCopyJob_SetNoProgressTimeout(job, 0));
    assert_hr(S_OK, IBackgroundCopyJob_GetNoProgressTimeout(job, &v));
    assert_int_equal(v, 0);
    assert_hr(S_OK, IBackgroundCopyJob_SetNoProgressTimeout(job, 3600));
    assert_hr(S_OK, IBackgroundCopyJob_GetNoProgressTimeout(job, &v));
    assert_int_equal(v, 3600);
    assert_null_arg(IBackgroundCopyJob_GetNoProgressTimeout(job, NULL));

    assert_hr(S_OK, IBackgroundCopyJob_GetErrorCount(job, &v));
    assert_int_equal(v, 0);
    assert_null_arg(IBackgroundCopyJob_GetErrorCount(job, NULL));

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void expect_empty_or_null(LPWSTR s)
{
    if (s && *s) {
        print_error("expected an empty string, got \"%ls\"\n", s);
        fail();
    }
    CoTaskMemFree(s);
}

static void test_proxy_settings(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"proxy", NULL);
    BG_JOB_PROXY_USAGE usage;
    LPWSTR list = NULL, bypass = NULL;
    WCHAR *huge;

    (void)state;
    assert_hr(S_OK, IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass));
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_PRECONFIG);
    expect_empty_or_null(list);
    expect_empty_or_null(bypass);
    assert_null_arg(IBackgroundCopyJob_GetProxySettings(job, NULL, &list, &bypass));
    assert_null_arg(IBackgroundCopyJob_GetProxySettings(job, &usage, NULL, &bypass));
    assert_null_arg(IBackgroundCopyJob_GetProxySettings(job, &usage, &list, NULL));

    assert_hr(S_OK, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE,
                                                        L"http://127.0.0.1:3128 proxy2:80", L"<local> *.example"));
    assert_hr(S_OK, IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass));
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_OVERRIDE);
    assert_wstr_equal(list, L"http://127.0.0.1:3128 proxy2:80");
    assert_wstr_equal(bypass, L"<local> *.example");
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);

    /* OVERRIDE needs a list; the others take none. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, NULL, NULL));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_PRECONFIG, L"proxy:80", NULL));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, L"<local>"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_AUTODETECT, L"p:1", NULL));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob_SetProxySettings(job, (BG_JOB_PROXY_USAGE)9, NULL, NULL));
    /* A list over 32,767 characters. */
    huge = malloc(40000 * sizeof(WCHAR));
    assert_non_null(huge);
    wmemset(huge, L'p', 39999);
    huge[39999] = 0;
    assert_true(FAILED(IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, huge, NULL)));
    free(huge);
    /* The refusals changed nothing. */
    assert_hr(S_OK, IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass));
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_OVERRIDE);
    assert_wstr_equal(list, L"http://127.0.0.1:3128 proxy2:80");
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);

    assert_hr(S_OK, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL));
    assert_hr(S_OK, IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass));
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_NO_PROXY);
    expect_empty_or_null(list);
    expect_empty_or_null(bypass);
    assert_hr(S_OK, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_AUTODETECT, NULL, NULL));
    assert_hr(S_OK, IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass));
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_AUTODETECT);
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_notify_cmd_line(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"cmdline", NULL);
    IBackgroundCopyJob2 *job2 = tu_qi(job, &IID_IBackgroundCopyJob2);
    LPWSTR prog = NULL, params = NULL;

    (void)state;
    assert_hr(S_OK, IBackgroundCopyJob2_GetNotifyCmdLine(job2, &prog, &params));
    expect_empty_or_null(prog);
    expect_empty_or_null(params);
    assert_null_arg(IBackgroundCopyJob2_GetNotifyCmdLine(job2, NULL, &params));
    assert_null_arg(IBackgroundCopyJob2_GetNotifyCmdLine(job2, &prog, NULL));

    assert_hr(S_OK, IBackgroundCopyJob2_SetNotifyCmdLine(job2, L"C:\\windows\\system32\\cmd.exe",
                                                         L"cmd.exe /c exit 0"));
    assert_hr(S_OK, IBackgroundCopyJob2_GetNotifyCmdLine(job2, &prog, &params));
    assert_wstr_equal(prog, L"C:\\windows\\system32\\cmd.exe");
    assert_wstr_equal(params, L"cmd.exe /c exit 0");
    CoTaskMemFree(prog);
    CoTaskMemFree(params);

    /* Parameters without a program make no sense. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob2_SetNotifyCmdLine(job2, NULL, L"x"));
    /* NULL, NULL clears it. */
    assert_hr(S_OK, IBackgroundCopyJob2_SetNotifyCmdLine(job2, NULL, NULL));
    assert_hr(S_OK, IBackgroundCopyJob2_GetNotifyCmdLine(job2, &prog, &params));
    expect_empty_or_null(prog);
    expect_empty_or_null(params);

    IBackgroundCopyJob2_Release(job2);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_owner_and_times(void **state)
{
    IBackgroundCopyJob *job;
    LPWSTR owner = NULL, again = NULL;
    BG_JOB_TIMES t0, t1;
    FILETIME before, after;
    ULONGLONG c, m, b, a;

    (void)state;
    GetSystemTimeAsFileTime(&before);
    job = tu_create_job(mgr, L"owner", NULL);
    GetSystemTimeAsFileTime(&after);

    assert_null_arg(IBackgroundCopyJob_GetOwner(job, NULL));
    assert_hr(S_OK, IBackgroundCopyJob_GetOwner(job, &owner));
    assert_non_null(owner);
    print_message("owner: %ls\n", owner);
    assert_true(!wcsncmp(owner, L"S-1-", 4));
    assert_true(wcslen(owner) > 6);
    assert_hr(S_OK, IBackgroundCopyJob_TakeOwnership(job));
    assert_hr(S_OK, IBackgroundCopyJob_GetOwner(job, &again));
    assert_wstr_equal(again, owner);  /* same user: same owner */
    CoTaskMemFree(owner);
    CoTaskMemFree(again);

    assert_null_arg(IBackgroundCopyJob_GetTimes(job, NULL));
    assert_hr(S_OK, IBackgroundCopyJob_GetTimes(job, &t0));
    c = ((ULONGLONG)t0.CreationTime.dwHighDateTime << 32) | t0.CreationTime.dwLowDateTime;
    m = ((ULONGLONG)t0.ModificationTime.dwHighDateTime << 32) | t0.ModificationTime.dwLowDateTime;
    b = ((ULONGLONG)before.dwHighDateTime << 32) | before.dwLowDateTime;
    a = ((ULONGLONG)after.dwHighDateTime << 32) | after.dwLowDateTime;
    assert_true(c >= b && c <= a);
    assert_true(c <= m);
    assert_int_equal(t0.TransferCompletionTime.dwLowDateTime, 0);
    assert_int_equal(t0.TransferCompletionTime.dwHighDateTime, 0);

    /* A change moves the modification time, never the creation time. */
    {
        /* Let the clock move past the last modification (bounded). */
        ULONGLONG deadline = tu_ms() + 5000;
        FILETIME now;
        do
            GetSystemTimeAsFileTime(&now);
        while (CompareFileTime(&now, &t0.ModificationTime) <= 0 && tu_ms() < deadline);
    }
    assert_hr(S_OK, IBackgroundCopyJob_SetDescription(job, L"changed"));
    assert_hr(S_OK, IBackgroundCopyJob_GetTimes(job, &t1));
    assert_int_equal(CompareFileTime(&t0.CreationTime, &t1.CreationTime), 0);
    assert_int_equal(CompareFileTime(&t1.ModificationTime, &t0.ModificationTime), 1);

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_id_type_progress_null(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"nulls", NULL);
    IEnumBackgroundCopyFiles *e = (IEnumBackgroundCopyFiles *)(ULONG_PTR)1;
    IBackgroundCopyError *err = (IBackgroundCopyError *)(ULONG_PTR)1;
    IUnknown *notify = (IUnknown *)(ULONG_PTR)1;

    (void)state;
    assert_null_arg(IBackgroundCopyJob_GetId(job, NULL));
    assert_null_arg(IBackgroundCopyJob_GetType(job, NULL));
    assert_null_arg(IBackgroundCopyJob_GetProgress(job, NULL));
    assert_null_arg(IBackgroundCopyJob_GetState(job, NULL));
    assert_null_arg(IBackgroundCopyJob_EnumFiles(job, NULL));
    assert_null_arg(IBackgroundCopyJob_GetError(job, NULL));
    assert_null_arg(IBackgroundCopyJob_GetNotifyInterface(job, NULL));
    /* An object that is not a callback is refused. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)mgr));
    assert_hr(S_OK, IBackgroundCopyJob_GetNotifyInterface(job, &notify));
    assert_null(notify);
    /* An empty job enumerates no files. */
    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(job, &e));
    IEnumBackgroundCopyFiles_Release(e);
    /* No error to report. */
    assert_hr(BG_E_ERROR_INFORMATION_UNAVAILABLE, IBackgroundCopyJob_GetError(job, &err));
    assert_null(err);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

/* Every call that changes a job, on a job in a final state. */
static void expect_all_changes_refused(IBackgroundCopyJob *job, const WCHAR *local)
{
    IBackgroundCopyJob5 *job5 = tu_qi(job, &IID_IBackgroundCopyJob5);
    BITS_JOB_PROPERTY_VALUE value;
    BG_FILE_INFO info;

    info.RemoteName = small_src;
    info.LocalName = (WCHAR *)local;
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_Resume(job));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_Suspend(job));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_Cancel(job));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_Complete(job));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_AddFile(job, small_src, local));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_AddFileSet(job, 1, &info));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_SetDisplayName(job, L"x"));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_SetDescription(job, L"x"));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_HIGH));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_ERROR));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_SetNotifyInterface(job, NULL));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_SetMinimumRetryDelay(job, 60));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_SetNoProgressTimeout(job, 60));
    assert_hr(BG_E_INVALID_STATE,
              IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob_TakeOwnership(job));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob5_SetNotifyCmdLine(job5, NULL, NULL));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob5_ReplaceRemotePrefix(job5, L"C:\\", L"D:\\"));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob5_SetPeerCachingFlags(job5, 0));
    value.Enable = TRUE;
    assert_hr(BG_E_INVALID_STATE,
              IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, value));
    IBackgroundCopyJob5_Release(job5);
}

static void test_state_final(void **state)
{
    IBackgroundCopyJob *job;
    IBackgroundCopyFile *file;
    IBackgroundCopyFile2 *file2;
    WCHAR local[MAX_PATH];
    LPWSTR name = NULL;
    BG_JOB_PROGRESS p;

    (void)state;
    tu_path(local, MAX_PATH, L"final.bin");

    /* Cancelled. */
    job = tu_create_job(mgr, L"to cancel", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, small_src, local));
    file = tu_job_file(job, 0);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_CANCELLED);
    expect_all_changes_refused(job, local);
    file2 = tu_qi(file, &IID_IBackgroundCopyFile2);
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyFile2_SetRemoteName(file2, small_src));
    IBackgroundCopyFile2_Release(file2);
    IBackgroundCopyFile_Release(file);
    /* Reading still works. */
    assert_int_equal(tu_state(job), BG_JOB_STATE_CANCELLED);
    assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(job, &name));
    assert_wstr_equal(name, L"to cancel");
    CoTaskMemFree(name);
    p = tu_progress(job);
    assert_int_equal(p.FilesTotal, 1);
    assert_false(tu_exists(local));
    IBackgroundCopyJob_Release(job);

    /* Acknowledged. */
    job = tu_create_job(mgr, L"to complete", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, small_src, local));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_ACKNOWLEDGED);
    assert_true(tu_check_pattern(local, SMALL_SIZE, SMALL_SEED));
    file = tu_job_file(job, 0);
    expect_all_changes_refused(job, local);
    file2 = tu_qi(file, &IID_IBackgroundCopyFile2);
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyFile2_SetRemoteName(file2, small_src));
    IBackgroundCopyFile2_Release(file2);
    IBackgroundCopyFile_Release(file);
    assert_int_equal(tu_state(job), BG_JOB_STATE_ACKNOWLEDGED);
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);
}

static void test_state_transitions(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"transitions", NULL);
    IBackgroundCopyError *err = NULL;
    WCHAR src[MAX_PATH], local[MAX_PATH];
    const UINT64 size = 64ull * TU_MB;
    BG_JOB_STATE s;
    BG_JOB_PROGRESS p;

    (void)state;
    tu_path(src, MAX_PATH, L"transitions.src");
    tu_path(local, MAX_PATH, L"transitions.bin");
    tu_make_file(src, size, 21);

    /* New: SUSPENDED. Resume without files: BG_E_EMPTY, still SUSPENDED. */
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    assert_hr(BG_E_EMPTY, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    /* Suspending a suspended job is fine. */
    assert_hr(S_OK, IBackgroundCopyJob_Suspend(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    assert_hr(BG_E_ERROR_INFORMATION_UNAVAILABLE, IBackgroundCopyJob_GetError(job, &err));

    /* Adding a file does not start anything. */
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    p = tu_progress(job);
    assert_true(p.BytesTransferred == 0);

    /* Resume: active at once; Suspend: SUSPENDED at once. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    s = tu_state(job);
    assert_true(s == BG_JOB_STATE_QUEUED || s == BG_JOB_STATE_CONNECTING || s == BG_JOB_STATE_TRANSFERRING);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job)); /* resuming an active job is fine */
    assert_hr(S_OK, IBackgroundCopyJob_Suspend(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    assert_hr(BG_E_ERROR_INFORMATION_UNAVAILABLE, IBackgroundCopyJob_GetError(job, &err));
    p = tu_progress(job);
    print_message("suspended at %llu of %llu bytes\n", (unsigned long long)p.BytesTransferred,
                  (unsigned long long)size);
    assert_true(p.BytesTransferred < size);
    /* A suspended job stays suspended. */
    assert_int_equal(tu_wait_settled(job, 100), BG_JOB_STATE_SUSPENDED);
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);

    /* Resume again: runs to TRANSFERRED with the right content. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    p = tu_progress(job);
    assert_true(p.BytesTransferred == size && p.BytesTotal == size);
    assert_int_equal(p.FilesTransferred, 1);
    assert_hr(BG_E_ERROR_INFORMATION_UNAVAILABLE, IBackgroundCopyJob_GetError(job, &err));
    assert_null(err);
    /* The destination appears only at Complete. */
    assert_false(tu_exists(local));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_ACKNOWLEDGED);
    assert_true(tu_files_equal(src, local));
    assert_hr(BG_E_ERROR_INFORMATION_UNAVAILABLE, IBackgroundCopyJob_GetError(job, &err));
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);
    DeleteFileW(src);
}

static void test_error_state(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"missing source", NULL);
    IBackgroundCopyError *err = NULL;
    IBackgroundCopyFile *file = NULL;
    BG_ERROR_CONTEXT context;
    HRESULT code;
    WCHAR src[MAX_PATH], local[MAX_PATH];
    LPWSTR s = NULL;
    ULONG count;

    (void)state;
    tu_path(src, MAX_PATH, L"does-not-exist.src");
    tu_path(local, MAX_PATH, L"error.bin");
    DeleteFileW(src);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_ERROR);

    assert_hr(S_OK, IBackgroundCopyJob_GetError(job, &err));
    assert_non_null(err);
    assert_null_arg(IBackgroundCopyError_GetError(err, NULL, &code));
    assert_null_arg(IBackgroundCopyError_GetError(err, &context, NULL));
    assert_hr(S_OK, IBackgroundCopyError_GetError(err, &context, &code));
    assert_int_equal(context, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), code);

    assert_null_arg(IBackgroundCopyError_GetFile(err, NULL));
    assert_hr(S_OK, IBackgroundCopyError_GetFile(err, &file));
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &s));
    assert_wstr_equal(s, src);
    CoTaskMemFree(s);
    assert_hr(S_OK, IBackgroundCopyFile_GetLocalName(file, &s));
    assert_wstr_equal(s, local);
    CoTaskMemFree(s);
    IBackgroundCopyFile_Release(file);

    assert_null_arg(IBackgroundCopyError_GetProtocol(err, NULL));
    assert_hr(S_OK, IBackgroundCopyError_GetProtocol(err, &s));
    assert_wstr_equal(s, L"file");
    CoTaskMemFree(s);

    assert_null_arg(IBackgroundCopyError_GetErrorDescription(err, 0, NULL));
    assert_hr(S_OK, IBackgroundCopyError_GetErrorDescription(err, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &s));
    assert_true(s && wcslen(s) > 3);
    print_message("error: %ls\n", s);
    CoTaskMemFree(s);
    assert_null_arg(IBackgroundCopyError_GetErrorContextDescription(err, 0, NULL));
    assert_hr(S_OK, IBackgroundCopyError_GetErrorContextDescription(err, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &s));
    assert_true(s && wcslen(s) > 3);
    print_message("context: %ls\n", s);
    CoTaskMemFree(s);
    IBackgroundCopyError_Release(err);

    assert_hr(S_OK, IBackgroundCopyJob_GetErrorCount(job, &count));
    assert_true(count >= 1);
    /* Suspend keeps a job in error where it is (it counts as paused). */
    assert_hr(S_OK, IBackgroundCopyJob_Suspend(job));
    /* The destination did not appear. */
    assert_false(tu_exists(local));

    /* Fix the cause and resume: the job finishes. */
    tu_make_file(src, SMALL_SIZE, 5);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_hr(BG_E_ERROR_INFORMATION_UNAVAILABLE, IBackgroundCopyJob_GetError(job, &err));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_check_pattern(local, SMALL_SIZE, 5));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);
    DeleteFileW(src);

    /* A missing source folder: also the remote file's fault. */
    job = tu_create_job(mgr, L"missing folder", NULL);
    tu_path(src, MAX_PATH, L"no such folder\\file.src");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_GetError(job, &err));
    assert_hr(S_OK, IBackgroundCopyError_GetError(err, &context, &code));
    assert_int_equal(context, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND), code);
    IBackgroundCopyError_Release(err);
    /* Complete on a job in error: nothing was transferred. */
    assert_hr(BG_S_PARTIAL_COMPLETE, IBackgroundCopyJob_Complete(job));
    assert_false(tu_exists(local));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(job);
}

static void test_job5_properties(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"job5", NULL);
    IBackgroundCopyJob5 *job5 = tu_qi(job, &IID_IBackgroundCopyJob5);
    BITS_JOB_PROPERTY_VALUE v;

    (void)state;
    assert_null_arg(IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, NULL));

    memset(&v, 0, sizeof(v));
    v.Dword = 0x80000001;
    assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, v));
    memset(&v, 0, sizeof(v));
    assert_hr(S_OK, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &v));
    assert_int_equal(v.Dword, 0x80000001);

    v.Enable = TRUE;
    assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, v));
    v.Enable = FALSE;
    assert_hr(S_OK, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, &v));
    assert_true(v.Enable);

    v.Enable = TRUE;
    assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, v));
    v.Enable = FALSE;
    assert_hr(S_OK, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, &v));
    assert_true(v.Enable);
    v.Enable = FALSE;
    assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, v));
    v.Enable = TRUE;
    assert_hr(S_OK, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, &v));
    assert_false(v.Enable);

    v.Dword = 250;
    assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, v));
    v.Dword = 0;
    assert_hr(S_OK, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, &v));
    assert_int_equal(v.Dword, 250);

    v.Uint64 = 0;
    assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, v));
    v.Uint64 = 7;
    assert_hr(S_OK, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, &v));
    assert_true(v.Uint64 == 0);

    /* Unknown ids. */
    v.Dword = 1;
    assert_hr(E_INVALIDARG, IBackgroundCopyJob5_SetProperty(job5, (BITS_JOB_PROPERTY_ID)6, v));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob5_GetProperty(job5, (BITS_JOB_PROPERTY_ID)99, &v));

    IBackgroundCopyJob5_Release(job5);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

/* The methods that honestly say E_NOTIMPL, in one place. If one of them
 * becomes real, this test tells us to move it into a real test.
 * (SetCredentials/RemoveCredentials left this list with the HTTP
 * transport; their tests belong with it.) */
static void test_not_implemented(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"notimpl", NULL);
    IBackgroundCopyJob5 *job5 = tu_qi(job, &IID_IBackgroundCopyJob5);
    IBackgroundCopyFile *file;
    IBackgroundCopyFile5 *file5;
    IBackgroundCopyJob *upload = NULL;
    BITS_JOB_PROPERTY_VALUE v;
    BITS_FILE_PROPERTY_VALUE fv;
    BG_FILE_RANGE range = {0, 100};
    WCHAR local[MAX_PATH];
    GUID id;
    DWORD d;
    ULONG u;

    (void)state;
    tu_path(local, MAX_PATH, L"notimpl.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, small_src, local));

    print_message("E_NOTIMPL: IBackgroundCopyManager::CreateJob(BG_JOB_TYPE_UPLOAD, UPLOAD_REPLY)\n");
    assert_hr(E_NOTIMPL, IBackgroundCopyManager_CreateJob(mgr, L"u", BG_JOB_TYPE_UPLOAD, &id, &upload));
    assert_hr(E_NOTIMPL, IBackgroundCopyManager_CreateJob(mgr, L"u", BG_JOB_TYPE_UPLOAD_REPLY, &id, &upload));

    /* AddFileWithRanges is implemented now (tests/test_ranges.c); not to
     * the local file of another file of the job. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob5_AddFileWithRanges(job5, small_src, local, 1, &range));
    tu_path(local, MAX_PATH, L"notimpl-ranges.bin");
    assert_hr(S_OK, IBackgroundCopyJob5_AddFileWithRanges(job5, small_src, local, 1, &range));

    print_message("E_NOTIMPL: IBackgroundCopyJob3::SetFileACLFlags (any flag; 0 is accepted)\n");
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_SetFileACLFlags(job5, BG_COPY_FILE_DACL));
    assert_hr(S_OK, IBackgroundCopyJob5_SetFileACLFlags(job5, 0));
    assert_hr(S_OK, IBackgroundCopyJob5_GetFileACLFlags(job5, &d));
    assert_int_equal(d, 0);
    assert_hr(E_INVALIDARG, IBackgroundCopyJob5_SetFileACLFlags(job5, 0x100));

    print_message("E_NOTIMPL: IBackgroundCopyJob4::SetMaximumDownloadTime (non-zero; 0 is accepted)\n");
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_SetMaximumDownloadTime(job5, 3600));
    assert_hr(S_OK, IBackgroundCopyJob5_SetMaximumDownloadTime(job5, 0));
    assert_hr(S_OK, IBackgroundCopyJob5_GetMaximumDownloadTime(job5, &u));
    assert_int_equal(u, 0);

    print_message("E_NOTIMPL: IBackgroundCopyJob5::Set/GetProperty NOTIFICATION_CLSID, "
                  "USE_STORED_CREDENTIALS, ON_DEMAND_MODE; MAX_DOWNLOAD_SIZE != 0\n");
    memset(&v, 0, sizeof(v));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, v));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &v));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, v));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, &v));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, v));
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, &v));
    v.Uint64 = 1000000;
    assert_hr(E_NOTIMPL, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, v));

    print_message("E_NOTIMPL: IBackgroundCopyFile5::SetProperty(HTTP_RESPONSE_HEADERS)\n");
    file = tu_job_file(job, 0);
    file5 = tu_qi(file, &IID_IBackgroundCopyFile5);
    fv.String = L"x";
    assert_hr(E_NOTIMPL, IBackgroundCopyFile5_SetProperty(file5, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, fv));
    /* Nothing received yet: an empty string (test_http checks a real head). */
    fv.String = NULL;
    assert_hr(S_OK, IBackgroundCopyFile5_GetProperty(file5, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &fv));
    assert_non_null(fv.String);
    assert_wstr_equal(fv.String, L"");
    CoTaskMemFree(fv.String);
    assert_hr(E_INVALIDARG, IBackgroundCopyFile5_GetProperty(file5, (BITS_FILE_PROPERTY_ID)2, &fv));
    assert_hr(E_POINTER, IBackgroundCopyFile5_GetProperty(file5, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, NULL));
    IBackgroundCopyFile5_Release(file5);
    IBackgroundCopyFile_Release(file);

    /* Reply data exists only for upload-reply jobs: a download job refuses. */
    {
        BG_JOB_REPLY_PROGRESS rp;
        byte *data = NULL;
        UINT64 len = 0;
        LPWSTR name = NULL;
        assert_true(FAILED(IBackgroundCopyJob5_GetReplyProgress(job5, &rp)));
        assert_true(FAILED(IBackgroundCopyJob5_GetReplyData(job5, &data, &len)));
        assert_null(data);
        assert_true(FAILED(IBackgroundCopyJob5_SetReplyFileName(job5, local)));
        assert_true(FAILED(IBackgroundCopyJob5_GetReplyFileName(job5, &name)));
        assert_null(name);
    }

    IBackgroundCopyJob5_Release(job5);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_job4_getters(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"job4", NULL);
    IBackgroundCopyJob4 *job4 = tu_qi(job, &IID_IBackgroundCopyJob4);
    DWORD flags;
    ULONG level;
    BOOL elevated;

    (void)state;
    assert_hr(S_OK, IBackgroundCopyJob4_SetPeerCachingFlags(job4, BG_JOB_ENABLE_PEERCACHING_CLIENT));
    assert_hr(S_OK, IBackgroundCopyJob4_GetPeerCachingFlags(job4, &flags));
    assert_int_equal(flags, BG_JOB_ENABLE_PEERCACHING_CLIENT);
    assert_hr(E_INVALIDARG, IBackgroundCopyJob4_SetPeerCachingFlags(job4, 0x100));
    assert_null_arg(IBackgroundCopyJob4_GetPeerCachingFlags(job4, NULL));
    assert_hr(S_OK, IBackgroundCopyJob4_GetOwnerIntegrityLevel(job4, &level));
    assert_true(level >= SECURITY_MANDATORY_LOW_RID && level <= SECURITY_MANDATORY_SYSTEM_RID);
    assert_null_arg(IBackgroundCopyJob4_GetOwnerIntegrityLevel(job4, NULL));
    assert_hr(S_OK, IBackgroundCopyJob4_GetOwnerElevationState(job4, &elevated));
    assert_null_arg(IBackgroundCopyJob4_GetOwnerElevationState(job4, NULL));
    IBackgroundCopyJob4_Release(job4);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_replace_remote_prefix(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"prefix", NULL);
    IBackgroundCopyJob3 *job3 = tu_qi(job, &IID_IBackgroundCopyJob3);
    IBackgroundCopyFile *file;
    WCHAR local[MAX_PATH], local2[MAX_PATH];
    LPWSTR name = NULL;

    (void)state;
    tu_path(local, MAX_PATH, L"prefix.bin");
    tu_path(local2, MAX_PATH, L"prefix2.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"\\\\server1\\share\\a.bin", local));
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1/b.bin", local2));

    assert_null_arg(IBackgroundCopyJob3_ReplaceRemotePrefix(job3, NULL, L"x"));
    assert_null_arg(IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"x", NULL));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"", L"x"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"x", L""));

    assert_hr(S_OK, IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"\\\\server1\\", L"\\\\server2\\"));
    file = tu_job_file(job, 0);
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &name));
    assert_wstr_equal(name, L"\\\\server2\\share\\a.bin");
    CoTaskMemFree(name);
    IBackgroundCopyFile_Release(file);
    file = tu_job_file(job, 1);
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &name));
    assert_wstr_equal(name, L"http://127.0.0.1/b.bin");
    CoTaskMemFree(name);
    IBackgroundCopyFile_Release(file);

    /* A result that is not a valid remote name: refused, nothing changed. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"http://", L"ftp://"));
    file = tu_job_file(job, 1);
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &name));
    assert_wstr_equal(name, L"http://127.0.0.1/b.bin");
    CoTaskMemFree(name);
    IBackgroundCopyFile_Release(file);

    /* No remote name starts with the prefix: S_FALSE (documented). */
    assert_hr(S_FALSE, IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"https://nowhere/", L"https://else/"));
    /* The search is case-sensitive (documented). */
    assert_hr(S_FALSE, IBackgroundCopyJob3_ReplaceRemotePrefix(job3, L"HTTP://127.0.0.1/", L"http://127.0.0.2/"));
    file = tu_job_file(job, 1);
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &name));
    assert_wstr_equal(name, L"http://127.0.0.1/b.bin");
    CoTaskMemFree(name);
    IBackgroundCopyFile_Release(file);

    IBackgroundCopyJob3_Release(job3);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_interfaces(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"interfaces", NULL);
    static const IID *const iids[] = {
        &IID_IUnknown, &IID_IBackgroundCopyJob, &IID_IBackgroundCopyJob2,
        &IID_IBackgroundCopyJob3, &IID_IBackgroundCopyJob4, &IID_IBackgroundCopyJob5,
    };
    IUnknown *unk, *other = (IUnknown *)(ULONG_PTR)1;
    size_t i;
    ULONG before;

    (void)state;
    before = tu_refcount(job);
    for (i = 0; i < sizeof(iids) / sizeof(iids[0]); i++) {
        unk = tu_qi(job, iids[i]);
        assert_int_equal(tu_refcount(job), before + 1);
        IUnknown_Release(unk);
    }
    assert_int_equal(tu_refcount(job), before);
    assert_hr(E_NOINTERFACE, IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyFile, (void **)&other));
    assert_null(other);
    assert_hr(E_NOINTERFACE, IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyManager, (void **)&other));
    assert_null_arg(IBackgroundCopyJob_QueryInterface(job, &IID_IUnknown, NULL));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_add_file_bad_input, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_add_file_set, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_too_many_files, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_string_properties, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_numeric_properties, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_proxy_settings, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_notify_cmd_line, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_owner_and_times, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_id_type_progress_null, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_state_final, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_state_transitions, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_error_state, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_job5_properties, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_job4_getters, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_replace_remote_prefix, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_not_implemented, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_interfaces, tu_cancel_all_jobs),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
