/* Priorities: a foreground job preempts background ones, which carry on
 * once it is done; foreground jobs run side by side.
 *
 * The fault server's slow=BPS fault makes transfers last long enough to be
 * watched; every wait is bounded and driven by the jobs' own progress.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <stdio.h>

#define BIG (6u * 1024 * 1024)
#define SMALL (1536u * 1024)

static IBackgroundCopyManager *mgr;
static WCHAR big_src[MAX_PATH], small_src[MAX_PATH];

static int setup(void **state)
{
    if (tu_group_setup(state) || !ht_init())
        return -1;
    mgr = tu_manager();
    ht_make(big_src, MAX_PATH, L"prio-big.bin", BIG, 71);
    ht_make(small_src, MAX_PATH, L"prio-small.bin", SMALL, 72);
    return mgr ? 0 : -1;
}

static int teardown(void **state)
{
    tu_cancel_all_jobs(state);
    if (mgr)
        IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

/* A job for http://fault-server/fault/<token>,slow=<bps>/<name>. */
static IBackgroundCopyJob *slow_job(const char *prefix, unsigned bps, const WCHAR *name,
                                    BG_JOB_PRIORITY priority, WCHAR *local)
{
    char token[64];
    WCHAR url[512];
    IBackgroundCopyJob *job;

    ht_token(token, sizeof(token), prefix);
    swprintf(url, ARRAYSIZE(url), L"http://127.0.0.1:%u/fault/id=%hs,slow=%u/%ls", ht.fault_http, token,
             bps, name);
    tu_path(local, MAX_PATH, L"%hs.out", token);
    job = ht_job(mgr, url, local);
    assert_hr(S_OK, IBackgroundCopyJob_SetPriority(job, priority));
    return job;
}

static void finish(IBackgroundCopyJob *job, const WCHAR *local, const WCHAR *src)
{
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    ht_complete_equal(job, local, src);
    IBackgroundCopyJob_Release(job);
}

static void test_foreground_preempts_background(void **state)
{
    WCHAR bg_local[MAX_PATH], fg_local[MAX_PATH];
    IBackgroundCopyJob *bg, *fg;
    UINT64 bg_before, bg_after, fg_start;

    (void)state;
    /* Unhindered, the background job would move 4 MB/s. */
    bg = slow_job("bg", 4000000, L"prio-big.bin", BG_JOB_PRIORITY_NORMAL, bg_local);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(bg));
    assert_true(tu_wait_bytes(bg, 256 * 1024, TU_WAIT_MS));

    /* The foreground job moves 512 KB/s: about 3 s for its file. */
    fg = slow_job("fg", 512000, L"prio-small.bin", BG_JOB_PRIORITY_FOREGROUND, fg_local);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(fg));
    assert_true(tu_wait_bytes(fg, 128 * 1024, TU_WAIT_MS));

    /* While the foreground job moves its next megabyte (about 2 s), the
     * background one, which would have moved some 8 MB, stands still but
     * for the one write that was under way when it gave way. */
    fg_start = tu_progress(fg).BytesTransferred;
    bg_before = tu_progress(bg).BytesTransferred;
    assert_true(tu_wait_bytes(fg, fg_start + 1024 * 1024, TU_WAIT_MS));
    bg_after = tu_progress(bg).BytesTransferred;
    printf("background moved %llu bytes while the foreground job moved 1 MiB\n",
           (unsigned long long)(bg_after - bg_before));
    assert_true(bg_after - bg_before <= 256 * 1024);
    assert_true(bg_after < BIG);

    /* Then both finish, byte-exact; the background job resumed on its own. */
    finish(fg, fg_local, small_src);
    finish(bg, bg_local, big_src);
}

static void test_foreground_jobs_run_together(void **state)
{
    WCHAR l1[MAX_PATH], l2[MAX_PATH];
    IBackgroundCopyJob *a, *b;

    (void)state;
    a = slow_job("fga", 512000, L"prio-small.bin", BG_JOB_PRIORITY_FOREGROUND, l1);
    b = slow_job("fgb", 512000, L"prio-small.bin", BG_JOB_PRIORITY_FOREGROUND, l2);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(a));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(b));
    /* Each moves while the other is still far from done. */
    assert_true(tu_wait_bytes(a, 256 * 1024, TU_WAIT_MS));
    assert_true(tu_wait_bytes(b, 256 * 1024, TU_WAIT_MS));
    assert_true(tu_progress(a).BytesTransferred < SMALL);
    assert_true(tu_progress(b).BytesTransferred < SMALL);
    finish(a, l1, small_src);
    finish(b, l2, small_src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_foreground_preempts_background, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_foreground_jobs_run_together, tu_cancel_all_jobs),
    };
    return cmocka_run_group_tests_name("priority", tests, setup, teardown);
}
