/* Real transfers through the file transport: a 100 MB local file watched
 * from a second thread, Complete and Cancel effects on disk, suspend and
 * resume from the partial temporary file, concurrent jobs, files in order,
 * file:// URLs and \\server\share paths, partial completion, errors.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

static IBackgroundCopyManager *mgr;
static WCHAR big_src[MAX_PATH];
#define BIG_SIZE (100ull * TU_MB)
#define BIG_SEED 100
#define TRANSFER_WAIT_MS 180000

static int group_setup(void **state)
{
    double t;

    if (tu_group_setup(state))
        return -1;
    mgr = tu_manager();
    tu_path(big_src, MAX_PATH, L"big.src");
    t = tu_seconds();
    tu_make_file(big_src, BIG_SIZE, BIG_SEED);
    print_message("made the 100 MB source in %.2f s\n", tu_seconds() - t);
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyManager_Release(mgr);
    DeleteFileW(big_src);
    return tu_group_teardown(state);
}

/* --- progress watched from a second thread --------------------------------- */

typedef struct monitor {
    IBackgroundCopyJob *job;
    UINT64 size;               /* the file's real size */
    volatile LONG stop;
    /* results */
    ULONGLONG calls;
    double seconds;            /* spent inside GetProgress batches */
    ULONG partial_values;      /* distinct 0 < transferred < size seen */
    ULONG violations;
    char first_violation[256];
    HRESULT failed_hr;
} monitor;

#define BATCH 256

static void violation(monitor *m, const char *fmt, ...)
{
    va_list args;

    if (!m->violations++) {
        va_start(args, fmt);
        vsnprintf(m->first_violation, sizeof(m->first_violation), fmt, args);
        va_end(args);
    }
}

static DWORD WINAPI monitor_main(void *arg)
{
    monitor *m = arg;
    BG_JOB_PROGRESS batch[BATCH], last = {0, 0, 0, 0};
    BOOL total_known = FALSE, have_last = FALSE;
    double t0, t1;
    HRESULT hr;
    int i;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    while (!InterlockedCompareExchange(&m->stop, 0, 0)) {
        t0 = tu_seconds();
        for (i = 0; i < BATCH; i++) {
            if (FAILED(hr = IBackgroundCopyJob_GetProgress(m->job, &batch[i]))) {
                m->failed_hr = hr;
                goto done;
            }
        }
        t1 = tu_seconds();
        m->seconds += t1 - t0;
        m->calls += BATCH;
        for (i = 0; i < BATCH; i++) {
            const BG_JOB_PROGRESS *p = &batch[i];
            if (p->FilesTotal != 1)
                violation(m, "FilesTotal %lu", p->FilesTotal);
            if (p->BytesTotal != BG_SIZE_UNKNOWN) {
                total_known = TRUE;
                if (p->BytesTotal != m->size)
                    violation(m, "BytesTotal %llu, file has %llu", (unsigned long long)p->BytesTotal,
                              (unsigned long long)m->size);
                if (p->BytesTransferred > p->BytesTotal)
                    violation(m, "BytesTransferred %llu > BytesTotal %llu",
                              (unsigned long long)p->BytesTransferred, (unsigned long long)p->BytesTotal);
            } else if (total_known) {
                violation(m, "BytesTotal went back to BG_SIZE_UNKNOWN");
            }
            if (p->BytesTransferred > m->size)
                violation(m, "BytesTransferred %llu past the file's size", (unsigned long long)p->BytesTransferred);
            if (p->FilesTransferred > 1)
                violation(m, "FilesTransferred %lu", p->FilesTransferred);
            if (p->FilesTransferred == 1 && (p->BytesTransferred != m->size || p->BytesTotal != m->size))
                violation(m, "FilesTransferred 1 with %llu/%llu bytes", (unsigned long long)p->BytesTransferred,
                          (unsigned long long)p->BytesTotal);
            if (have_last) {
                if (p->BytesTransferred < last.BytesTransferred)
                    violation(m, "BytesTransferred went back from %llu to %llu",
                              (unsigned long long)last.BytesTransferred, (unsigned long long)p->BytesTransferred);
                if (p->FilesTransferred < last.FilesTransferred)
                    violation(m, "FilesTransferred went back");
                if (p->BytesTransferred != last.BytesTransferred && p->BytesTransferred > 0 &&
                    p->BytesTransferred < m->size)
                    m->partial_values++;
            }
            last = *p;
            have_last = TRUE;
        }
    }
done:
    CoUninitialize();
    return 0;
}

static void test_progress_100mb(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"100 MB", NULL);
    WCHAR local[MAX_PATH];
    monitor m;
    HANDLE thread;
    BG_JOB_PROGRESS p;
    double t0, secs;

    (void)state;
    tu_path(local, MAX_PATH, L"big.bin");
    DeleteFileW(local);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, big_src, local));

    memset(&m, 0, sizeof(m));
    m.job = job;
    m.size = BIG_SIZE;
    thread = CreateThread(NULL, 0, monitor_main, &m, 0, NULL);
    assert_non_null(thread);

    t0 = tu_seconds();
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TRANSFER_WAIT_MS));
    secs = tu_seconds() - t0;
    InterlockedExchange(&m.stop, 1);
    assert_true(tu_wait_event(thread, 30000));
    CloseHandle(thread);

    print_message("transfer: 100 MB in %.3f s (%.0f MB/s)\n", secs, 100.0 / secs);
    print_message("GetProgress from a second thread during the transfer: %.1f ns/call over %llu calls\n",
                  m.calls ? m.seconds * 1e9 / (double)m.calls : 0.0, (unsigned long long)m.calls);
    print_message("distinct partial byte counts seen: %lu\n", m.partial_values);
    assert_hr(S_OK, m.failed_hr);
    if (m.violations) {
        print_error("%lu progress violations; first: %s\n", m.violations, m.first_violation);
        fail();
    }
    assert_true(m.calls > 0);
    /* The second thread really watched the transfer move. */
    assert_true(m.partial_values >= 2);

    /* Exact at the end. */
    p = tu_progress(job);
    assert_true(p.BytesTotal == BIG_SIZE);
    assert_true(p.BytesTransferred == BIG_SIZE);
    assert_int_equal(p.FilesTotal, 1);
    assert_int_equal(p.FilesTransferred, 1);

    /* Complete: the destination is the source, byte for byte; no temp left. */
    assert_false(tu_exists(local));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_ACKNOWLEDGED);
    assert_true(tu_files_equal(big_src, local));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);
}

/* --- Cancel ---------------------------------------------------------------- */

typedef struct appear_ctx {
    const WCHAR *local;
    const WCHAR *dir;
} appear_ctx;

static BOOL something_appeared(void *arg)
{
    appear_ctx *c = arg;
    return tu_exists(c->local) || tu_count_temp_files(c->dir) > 0;
}

static void test_cancel_mid_transfer(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"cancel", NULL);
    IBackgroundCopyFile *file;
    IBackgroundCopyFile3 *file3;
    WCHAR local[MAX_PATH];
    LPWSTR temp = NULL;
    BG_JOB_PROGRESS p;
    appear_ctx ctx;

    (void)state;
    tu_path(local, MAX_PATH, L"cancelled.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, big_src, local));
    file = tu_job_file(job, 0);
    file3 = tu_qi(file, &IID_IBackgroundCopyFile3);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_bytes(job, 1, TRANSFER_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyFile3_GetTemporaryName(file3, &temp));
    assert_true(tu_exists(temp));

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    p = tu_progress(job);
    print_message("cancelled at %llu of %llu bytes\n", (unsigned long long)p.BytesTransferred,
                  (unsigned long long)BIG_SIZE);
    assert_true(p.BytesTransferred < BIG_SIZE);
    assert_int_equal(tu_state(job), BG_JOB_STATE_CANCELLED);
    /* The temporary file is gone when Cancel returns. */
    assert_false(tu_exists(temp));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    assert_false(tu_exists(local));
    /* ... and nothing comes back afterwards. */
    ctx.local = local;
    ctx.dir = tu_dir();
    assert_false(tu_wait_until(something_appeared, &ctx, 500));
    assert_int_equal(tu_state(job), BG_JOB_STATE_CANCELLED);

    CoTaskMemFree(temp);
    IBackgroundCopyFile3_Release(file3);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyJob_Release(job);
}

/* --- Suspend and resume from the partial file ------------------------------ */

typedef struct settle_ctx {
    IBackgroundCopyJob *job;
    const WCHAR *temp;
} settle_ctx;

/* The worker has stopped writing once the temp file holds exactly the
 * bytes counted. */
static BOOL temp_matches_count(void *arg)
{
    settle_ctx *c = arg;
    return tu_file_size(c->temp) == tu_progress(c->job).BytesTransferred;
}

static void test_suspend_resume_mid_transfer(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"suspend and resume", NULL);
    IBackgroundCopyFile *file;
    IBackgroundCopyFile3 *file3;
    WCHAR local[MAX_PATH];
    LPWSTR temp = NULL, temp2 = NULL;
    BG_JOB_PROGRESS p;
    UINT64 at_suspend, at_stop, on_disk, lowest = (UINT64)-1;
    ULONGLONG deadline;
    settle_ctx ctx;
    BG_JOB_STATE s;

    (void)state;
    tu_path(local, MAX_PATH, L"resumed.bin");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, big_src, local));
    file = tu_job_file(job, 0);
    file3 = tu_qi(file, &IID_IBackgroundCopyFile3);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_bytes(job, 4 * TU_MB, TRANSFER_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Suspend(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    at_suspend = tu_progress(job).BytesTransferred;
    assert_true(at_suspend >= 4 * TU_MB && at_suspend < BIG_SIZE);

    /* The partial temporary file is there, with the counted bytes. */
    assert_hr(S_OK, IBackgroundCopyFile3_GetTemporaryName(file3, &temp));
    ctx.job = job;
    ctx.temp = temp;
    assert_true(tu_wait_until(temp_matches_count, &ctx, 10000));
    at_stop = tu_progress(job).BytesTransferred;
    on_disk = tu_file_size(temp);
    print_message("suspended: %llu bytes counted at Suspend, %llu when the worker stopped, %llu on disk\n",
                  (unsigned long long)at_suspend, (unsigned long long)at_stop, (unsigned long long)on_disk);
    assert_true(at_suspend <= at_stop);
    assert_true(on_disk == at_stop && on_disk > 0 && on_disk < BIG_SIZE);
    assert_false(tu_exists(local));

    /* Resume: the count never drops below what was already there. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    deadline = tu_ms() + TRANSFER_WAIT_MS;
    for (;;) {
        p = tu_progress(job);
        if (p.BytesTransferred < lowest)
            lowest = p.BytesTransferred;
        s = tu_state(job);
        if (s != BG_JOB_STATE_QUEUED && s != BG_JOB_STATE_CONNECTING && s != BG_JOB_STATE_TRANSFERRING)
            break;
        assert_true(tu_ms() < deadline);
    }
    assert_int_equal(s, BG_JOB_STATE_TRANSFERRED);
    print_message("after Resume the lowest count seen was %llu\n", (unsigned long long)lowest);
    assert_true(lowest >= at_stop);
    p = tu_progress(job);
    assert_true(p.BytesTransferred == BIG_SIZE && p.BytesTotal == BIG_SIZE);
    assert_int_equal(p.FilesTransferred, 1);
    /* The same temporary file carried on. */
    assert_hr(S_OK, IBackgroundCopyFile3_GetTemporaryName(file3, &temp2));
    assert_wstr_equal(temp2, temp);

    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_files_equal(big_src, local));
    assert_false(tu_exists(temp));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    CoTaskMemFree(temp);
    CoTaskMemFree(temp2);
    IBackgroundCopyFile3_Release(file3);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);
}

/* --- several jobs at once --------------------------------------------------- */

#define NJOBS 4
#define JOB_SIZE (24ull * TU_MB)

static void test_concurrent_jobs(void **state)
{
    IBackgroundCopyJob *jobs[NJOBS];
    WCHAR src[NJOBS][MAX_PATH], local[NJOBS][MAX_PATH];
    BG_JOB_PROGRESS p;
    BG_JOB_STATE s;
    ULONG overlap = 0, i, active, partial, done;
    ULONGLONG deadline;

    (void)state;
    for (i = 0; i < NJOBS; i++) {
        tu_path(src[i], MAX_PATH, L"concurrent%lu.src", i);
        tu_path(local[i], MAX_PATH, L"concurrent%lu.bin", i);
        tu_make_file(src[i], JOB_SIZE, 200 + i);
        jobs[i] = tu_create_job(mgr, L"concurrent", NULL);
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(jobs[i], src[i], local[i]));
    }
    for (i = 0; i < NJOBS; i++)
        assert_hr(S_OK, IBackgroundCopyJob_Resume(jobs[i]));

    deadline = tu_ms() + TRANSFER_WAIT_MS;
    for (;;) {
        active = partial = done = 0;
        for (i = 0; i < NJOBS; i++) {
            p = tu_progress(jobs[i]);
            s = tu_state(jobs[i]);
            if (s == BG_JOB_STATE_TRANSFERRED)
                done++;
            else if (s == BG_JOB_STATE_QUEUED || s == BG_JOB_STATE_CONNECTING || s == BG_JOB_STATE_TRANSFERRING)
                active++;
            else {
                print_error("job %lu left the transfer in %s\n", i, tu_state_name(s));
                fail();
            }
            if (p.BytesTransferred > 0 && p.BytesTransferred < JOB_SIZE)
                partial++;
        }
        if (partial >= 2)
            overlap++;
        if (done == NJOBS)
            break;
        assert_true(tu_ms() < deadline);
    }
    print_message("observations with two or more jobs mid-transfer: %lu\n", overlap);
    /* The jobs ran side by side, not one after another. */
    assert_true(overlap > 0);
    for (i = 0; i < NJOBS; i++) {
        assert_hr(S_OK, IBackgroundCopyJob_Complete(jobs[i]));
        assert_true(tu_check_pattern(local[i], JOB_SIZE, 200 + i));
        IBackgroundCopyJob_Release(jobs[i]);
        DeleteFileW(local[i]);
        DeleteFileW(src[i]);
    }
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
}

/* --- files inside a job, in order ------------------------------------------ */

static void test_three_files_in_order(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"three files", NULL);
    IBackgroundCopyFile *files[3];
    WCHAR src[3][MAX_PATH], local[3][MAX_PATH];
    BG_FILE_PROGRESS fp[3];
    BG_JOB_PROGRESS p;
    BG_JOB_STATE s;
    ULONGLONG deadline;
    int i, j, seen_started[3] = {0, 0, 0};
    const UINT64 sizes[3] = {12ull * TU_MB + 5, 7ull * TU_MB, 9ull * TU_MB + 1};

    (void)state;
    for (i = 0; i < 3; i++) {
        tu_path(src[i], MAX_PATH, L"three%d.src", i);
        tu_path(local[i], MAX_PATH, L"three%d.bin", i);
        tu_make_file(src[i], sizes[i], 300 + i);
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src[i], local[i]));
    }
    for (i = 0; i < 3; i++)
        files[i] = tu_job_file(job, i);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));

    deadline = tu_ms() + TRANSFER_WAIT_MS;
    for (;;) {
        s = tu_state(job);
        /* Read the later files first: a later file that has started must
         * find every earlier one complete when they are read after it. */
        for (i = 2; i >= 0; i--)
            fp[i] = tu_file_progress(files[i]);
        for (i = 0; i < 3; i++) {
            if (fp[i].BytesTransferred == 0)
                continue;
            seen_started[i] = 1;
            for (j = 0; j < i; j++) {
                if (!fp[j].Completed) {
                    print_error("file %d has %llu bytes while file %d is not complete\n", i,
                                (unsigned long long)fp[i].BytesTransferred, j);
                    fail();
                }
            }
        }
        if (s == BG_JOB_STATE_TRANSFERRED)
            break;
        assert_true(s == BG_JOB_STATE_QUEUED || s == BG_JOB_STATE_CONNECTING || s == BG_JOB_STATE_TRANSFERRING);
        assert_true(tu_ms() < deadline);
    }
    p = tu_progress(job);
    assert_int_equal(p.FilesTotal, 3);
    assert_int_equal(p.FilesTransferred, 3);
    assert_true(p.BytesTotal == sizes[0] + sizes[1] + sizes[2]);
    assert_true(p.BytesTransferred == p.BytesTotal);
    for (i = 0; i < 3; i++) {
        fp[i] = tu_file_progress(files[i]);
        assert_true(fp[i].Completed && fp[i].BytesTotal == sizes[i] && fp[i].BytesTransferred == sizes[i]);
        assert_true(seen_started[i]);
    }
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    for (i = 0; i < 3; i++) {
        assert_true(tu_files_equal(src[i], local[i]));
        IBackgroundCopyFile_Release(files[i]);
        DeleteFileW(local[i]);
        DeleteFileW(src[i]);
    }
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(job);
}

/* Complete while the second file's destination is held open without
 * sharing by another program: Complete fails with the rename's error and
 * the job stays TRANSFERRED (the first file is in place, complete); once
 * the destination is free, Complete again puts the rest in place. */
static void test_complete_destination_locked(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"locked destination", NULL);
    WCHAR src[2][MAX_PATH], local[2][MAX_PATH];
    HANDLE lock;
    HRESULT hr;
    int i;

    (void)state;
    for (i = 0; i < 2; i++) {
        tu_path(src[i], MAX_PATH, L"locked%d.src", i);
        tu_path(local[i], MAX_PATH, L"locked%d.bin", i);
        tu_make_file(src[i], 100000 + i, 400 + i);
        DeleteFileW(local[i]);
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src[i], local[i]));
    }
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TRANSFER_WAIT_MS));
    tu_make_file(local[1], 10, 1); /* what the other program has open */
    lock = CreateFileW(local[1], GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(lock != INVALID_HANDLE_VALUE);
    hr = IBackgroundCopyJob_Complete(job);
    print_message("Complete with the destination open: 0x%08lx\n", (unsigned long)hr);
    assert_true(FAILED(hr));
    assert_int_equal(tu_state(job), BG_JOB_STATE_TRANSFERRED);
    assert_true(tu_files_equal(src[0], local[0]));
    assert_int_equal(tu_file_size(local[1]), 10); /* untouched */
    CloseHandle(lock);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    for (i = 0; i < 2; i++) {
        assert_true(tu_files_equal(src[i], local[i]));
        DeleteFileW(local[i]);
        DeleteFileW(src[i]);
    }
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(job);
}

/* --- file:// URLs and \\server\share paths ------------------------------------ */

static void transfer_one(const WCHAR *remote, const WCHAR *local, const WCHAR *src_path)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, remote, NULL);

    DeleteFileW(local);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, remote, local));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TRANSFER_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_files_equal(src_path, local));
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);
}

static void test_file_url(void **state)
{
    WCHAR src[MAX_PATH], local[MAX_PATH], url[2 * MAX_PATH];

    (void)state;
    tu_path(src, MAX_PATH, L"url source %%.src"); /* a space and a '%' to escape */
    tu_path(local, MAX_PATH, L"from-url.bin");
    tu_make_file(src, 5 * TU_MB + 17, 400);
    tu_file_url(url, ARRAYSIZE(url), src);
    print_message("remote name: %ls\n", url);
    transfer_one(url, local, src);
    DeleteFileW(src);
}

/* Every form of a local source that BITS takes (and Wine's qmgr, which puts
 * the rest after "file://" to CreateFile as it is): the plain path, the
 * file:/// URL, the scheme glued to a backslash path (the '%' in the name
 * stays a '%': a path is not decoded), the glued forward-slash form (a URL:
 * decoded) and file:/// with backslashes. */
static void test_local_source_forms(void **state)
{
    WCHAR src[MAX_PATH], local[MAX_PATH], url[2 * MAX_PATH], name[3 * MAX_PATH];

    (void)state;
    tu_path(src, MAX_PATH, L"form source %%41.src");
    tu_path(local, MAX_PATH, L"from-form.bin");
    tu_make_file(src, 1 * TU_MB + 5, 401);
    tu_file_url(url, ARRAYSIZE(url), src);

    transfer_one(src, local, src);                 /* C:\dir\f */
    transfer_one(url, local, src);                 /* file:///C:/dir/f */
    swprintf(name, ARRAYSIZE(name), L"file://%ls", src);
    print_message("remote name: %ls\n", name);
    transfer_one(name, local, src);                /* file://C:\dir\f */
    swprintf(name, ARRAYSIZE(name), L"file://%ls", url + 8);
    print_message("remote name: %ls\n", name);
    transfer_one(name, local, src);                /* file://C:/dir/f */
    swprintf(name, ARRAYSIZE(name), L"file:///%ls", src);
    print_message("remote name: %ls\n", name);
    transfer_one(name, local, src);                /* file:///C:\dir\f */
    DeleteFileW(src);
}

static void test_unc_path(void **state)
{
    const char *prefix = getenv("WINEPREFIX");
    WCHAR prefix_dos[MAX_PATH], share[MAX_PATH], src[MAX_PATH], unc[MAX_PATH], local[MAX_PATH];
    HANDLE h;

    (void)state;
    /* Wine resolves \\server\share\... through <prefix>\dosdevices\unc\server\share,
     * so a folder there is a share without any SMB. */
    if (!prefix || !tu_unix_to_dos(prefix, prefix_dos, MAX_PATH)) {
        print_message("SKIP: WINEPREFIX is not set, so no \\\\server\\share can be made\n");
        skip();
    }
    swprintf(share, MAX_PATH, L"%ls\\dosdevices\\unc\\bitsdosrv\\bitsdo-tests", prefix_dos);
    assert_true(tu_mkdirs(share));
    swprintf(src, MAX_PATH, L"%ls\\unc.src", share);
    tu_make_file(src, 6 * TU_MB + 3, 500);
    wcscpy(unc, L"\\\\bitsdosrv\\bitsdo-tests\\unc.src");
    h = CreateFileW(unc, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        print_message("SKIP: this Wine does not map %ls to %ls (error %lu)\n", unc, src, GetLastError());
        DeleteFileW(src);
        skip();
    }
    CloseHandle(h);
    tu_path(local, MAX_PATH, L"from-unc.bin");
    print_message("remote name: %ls\n", unc);
    transfer_one(unc, local, src);
    /* The same share as a file:// URL with a host, and the other forms BITS
     * clients write for a share: four and five slashes, a glued UNC path. */
    transfer_one(L"file://bitsdosrv/bitsdo-tests/unc.src", local, src);
    transfer_one(L"file:////bitsdosrv/bitsdo-tests/unc.src", local, src);
    transfer_one(L"file://///bitsdosrv/bitsdo-tests/unc.src", local, src);
    transfer_one(L"file://\\\\bitsdosrv\\bitsdo-tests\\unc.src", local, src);
    DeleteFileW(src);
    RemoveDirectoryW(share);
}

/* --- Complete with unfinished files ------------------------------------------ */

typedef struct second_started_ctx {
    IBackgroundCopyFile *first, *second;
} second_started_ctx;

static BOOL second_started(void *arg)
{
    second_started_ctx *c = arg;
    return tu_file_progress(c->second).BytesTransferred > 0;
}

static void test_partial_complete(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"partial", NULL);
    WCHAR small_src[MAX_PATH], small_local[MAX_PATH], big_local[MAX_PATH];
    second_started_ctx ctx;
    BG_FILE_PROGRESS fp;

    (void)state;
    tu_path(small_src, MAX_PATH, L"partial-small.src");
    tu_path(small_local, MAX_PATH, L"partial-small.bin");
    tu_path(big_local, MAX_PATH, L"partial-big.bin");
    tu_make_file(small_src, TU_MB + 1, 600);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, small_src, small_local));
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, big_src, big_local));
    ctx.first = tu_job_file(job, 0);
    ctx.second = tu_job_file(job, 1);

    /* The first file done, the second under way: suspend there. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_until(second_started, &ctx, TRANSFER_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Suspend(job));
    assert_true(tu_file_progress(ctx.first).Completed);
    fp = tu_file_progress(ctx.second);
    assert_false(fp.Completed);
    assert_true(tu_count_temp_files(tu_dir()) >= 1);

    assert_hr(BG_S_PARTIAL_COMPLETE, IBackgroundCopyJob_Complete(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_ACKNOWLEDGED);
    /* The finished file is in place, the unfinished one is not, and its
     * temporary file is deleted. */
    assert_true(tu_files_equal(small_src, small_local));
    assert_false(tu_exists(big_local));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyFile_Release(ctx.first);
    IBackgroundCopyFile_Release(ctx.second);
    IBackgroundCopyJob_Release(job);
    DeleteFileW(small_local);

    /* A job that never ran: nothing is complete. */
    job = tu_create_job(mgr, L"never ran", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, small_src, small_local));
    assert_hr(BG_S_PARTIAL_COMPLETE, IBackgroundCopyJob_Complete(job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_ACKNOWLEDGED);
    assert_false(tu_exists(small_local));
    IBackgroundCopyJob_Release(job);
    DeleteFileW(small_src);
}

/* --- errors ------------------------------------------------------------------ */

static BOOL left_error(void *job)
{
    return tu_state((IBackgroundCopyJob *)job) != BG_JOB_STATE_ERROR;
}

static void test_missing_source(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"missing", NULL);
    IBackgroundCopyError *err = NULL;
    WCHAR src[MAX_PATH], local[MAX_PATH];
    BG_ERROR_CONTEXT context;
    BG_JOB_PROGRESS p;
    HRESULT code;

    (void)state;
    tu_path(src, MAX_PATH, L"not-there.src");
    tu_path(local, MAX_PATH, L"not-there.bin");
    DeleteFileW(src);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TRANSFER_WAIT_MS), BG_JOB_STATE_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_GetError(job, &err));
    assert_hr(S_OK, IBackgroundCopyError_GetError(err, &context, &code));
    assert_int_equal(context, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), code);
    IBackgroundCopyError_Release(err);
    p = tu_progress(job);
    assert_int_equal(p.FilesTransferred, 0);
    assert_true(p.BytesTransferred == 0);
    /* It stays in ERROR: no retry on its own for a missing file. */
    assert_false(tu_wait_until(left_error, job, 300));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    assert_false(tu_exists(local));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_progress_100mb, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_cancel_mid_transfer, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_suspend_resume_mid_transfer, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_concurrent_jobs, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_three_files_in_order, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_file_url, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_local_source_forms, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_unc_path, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_partial_complete, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_complete_destination_locked, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_missing_source, tu_cancel_all_jobs),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
