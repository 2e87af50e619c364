/* Every fault of tools/faultserver.py against the HTTP transport: for each,
 * the state the job settles in, the error code and context, what the retry
 * asks the server (its /stats), and that the final file is byte for byte
 * the served one (or, for a file that changed, its new version) or is not
 * there at all.
 *
 * Retries are started with Resume (BITS retries a TRANSIENT_ERROR job at
 * once on Resume), so no test waits for MinimumRetryDelay. ctest runs this
 * program with BITSDO_HTTP_TIMEOUT_MS=3000 so stalls time out quickly.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <stdlib.h>
#include <string.h>

static IBackgroundCopyManager *mgr;
static WCHAR src[MAX_PATH];      /* the served file */
static WCHAR inverted[MAX_PATH]; /* its "changed" version, as the fault server serves it */
#define SRC_NAME L"faults.bin"
#define SRC_SIZE (1024u * 1024u + 123u)
#define SRC_SEED 31
#define CUT      300000u /* where drop/reset/stall cut the body */

#define HR_CONNECTION       HRESULT_FROM_WIN32(ERROR_WINHTTP_CONNECTION_ERROR)
#define HR_TIMEOUT          HRESULT_FROM_WIN32(ERROR_WINHTTP_TIMEOUT)
#define HR_INVALID_RESPONSE HRESULT_FROM_WIN32(ERROR_WINHTTP_INVALID_SERVER_RESPONSE)
#define HR_REDIRECT_FAILED  HRESULT_FROM_WIN32(ERROR_WINHTTP_REDIRECT_FAILED)
#define HTTP_ERROR(n)       ((HRESULT)(0x80190000u | (n)))

static void make_inverted(void)
{
    HANDLE in, out;
    BYTE *buf = malloc(SRC_SIZE);
    DWORD got, i;

    assert_non_null(buf);
    tu_path(inverted, MAX_PATH, L"faults-inverted.bin");
    in = CreateFileW(src, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(in != INVALID_HANDLE_VALUE);
    assert_true(ReadFile(in, buf, SRC_SIZE, &got, NULL) && got == SRC_SIZE);
    CloseHandle(in);
    for (i = 0; i < SRC_SIZE; i++)
        buf[i] = (BYTE)(255 - buf[i]);
    out = CreateFileW(inverted, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    assert_true(out != INVALID_HANDLE_VALUE);
    assert_true(WriteFile(out, buf, SRC_SIZE, &got, NULL) && got == SRC_SIZE);
    CloseHandle(out);
    free(buf);
}

static int group_setup(void **state)
{
    if (tu_group_setup(state) || !ht_init())
        return -1;
    mgr = tu_manager();
    ht_make(src, MAX_PATH, SRC_NAME, SRC_SIZE, SRC_SEED);
    make_inverted();
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

/* One faulty download of the served file. */
typedef struct fault_case {
    char token[64];
    WCHAR url[1024];
    WCHAR dir[MAX_PATH]; /* a folder of its own, to count temp files in */
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob *job;
} fault_case;

static void setup_case(fault_case *c, BOOL tls, const char *fault)
{
    char spec[512];

    ht_token(c->token, sizeof(c->token), "f");
    snprintf(spec, sizeof(spec), "id=%s%s%s", c->token, *fault ? "," : "", fault);
    /* TLS by name: the test certificate names localhost (and 127.0.0.1,
     * which Wine's name check does not match against IP entries). */
    swprintf(c->url,
             1024,
             L"%ls://%ls:%u/fault/%hs/%ls",
             tls ? L"https" : L"http",
             tls ? L"localhost" : L"127.0.0.1",
             tls ? ht.fault_https : ht.fault_http,
             spec,
             SRC_NAME);
    tu_path(c->dir, MAX_PATH, L"%hs", c->token);
    assert_true(tu_mkdirs(c->dir));
    swprintf(c->local, MAX_PATH, L"%ls\\file.out", c->dir);
}

static void start_case(fault_case *c, BOOL tls, const char *fault)
{
    setup_case(c, tls, fault);
    c->job = ht_start(mgr, c->url, c->local);
}

static void end_case(fault_case *c)
{
    if (c->job)
        IBackgroundCopyJob_Release(c->job);
    c->job = NULL;
}

/* The Range headers of the token's GETs, in order ("" for none). */
static void expect_ranges(const char *token, int count, ...)
{
    char ranges[16][64], *json = ht_stats(token);
    va_list args;
    int n = ht_json_ranges(json, ranges, 16), i;

    if (n != count) {
        print_error("%d GETs, expected %d:\n%s\n", n, count, json);
        free(json);
        fail();
    }
    va_start(args, count);
    for (i = 0; i < count; i++) {
        const char *want = va_arg(args, const char *);
        if (strcmp(ranges[i], want)) {
            print_error("GET %d had Range \"%s\", expected \"%s\"\n", i + 1, ranges[i], want);
            va_end(args);
            free(json);
            fail();
        }
    }
    va_end(args);
    free(json);
}

static const char *range_from(char *buf, UINT64 offset)
{
    sprintf(buf, "bytes=%llu-", (unsigned long long)offset);
    return buf;
}

/* A fatal failure leaves nothing: Complete keeps no file and no temp. */
static void complete_nothing(fault_case *c)
{
    assert_hr(BG_S_PARTIAL_COMPLETE, IBackgroundCopyJob_Complete(c->job));
    assert_false(tu_exists(c->local));
    assert_int_equal(tu_count_temp_files(c->dir), 0);
}

/* --- cut bodies: resumed with Range ------------------------------------- */

static void cut_and_resume(BOOL tls, const char *fault, HRESULT hr, BG_ERROR_CONTEXT context)
{
    fault_case c;
    BG_JOB_PROGRESS p;
    char range[64];

    start_case(&c, tls, fault);
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, hr, context);
    p = tu_progress(c.job);
    assert_true(p.BytesTransferred > 0 && p.BytesTransferred < SRC_SIZE);
    assert_true(p.BytesTotal == SRC_SIZE);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    /* The retry asked only for what was missing, checked with If-Range. */
    expect_ranges(c.token, 2, "", range_from(range, p.BytesTransferred));
    end_case(&c);
}

static void test_drop(void **state)
{
    (void)state;
    cut_and_resume(FALSE, "drop=300000:1", HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
}

static void test_reset(void **state)
{
    (void)state;
    cut_and_resume(FALSE, "reset=300000:1", HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
}

static void test_close_early(void **state)
{
    (void)state;
    cut_and_resume(FALSE, "close-early=1000:1", HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
}

static void test_stall_timeout(void **state)
{
    (void)state;
    cut_and_resume(FALSE, "stall=20000:1,stall-at=300000", HR_TIMEOUT, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
}

static void test_tls_drop(void **state)
{
    (void)state;
    cut_and_resume(TRUE, "drop=300000:1", HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
}

static void test_tls_stall_timeout(void **state)
{
    (void)state;
    cut_and_resume(TRUE, "stall=20000:1,stall-at=300000", HR_TIMEOUT, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
}

/* Headers late: nothing written, the retry starts from scratch. */
static void test_delay_timeout(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, FALSE, "delay=20000:1");
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HR_TIMEOUT, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(tu_progress(c.job).BytesTransferred, 0);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    expect_ranges(c.token, 2, "", "");
    end_case(&c);
}

static void test_slow(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, FALSE, "slow=4000000");
    ht_complete_equal(c.job, c.local, src);
    expect_ranges(c.token, 1, "");
    end_case(&c);
}

/* --- status codes --------------------------------------------------------- */

static void test_status_transient(void **state)
{
    static const int codes[] = {500, 502, 503, 504, 408, 429};
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        fault_case c;
        char fault[32];
        sprintf(fault, "status=%d:1", codes[i]);
        start_case(&c, FALSE, fault);
        ht_expect_error(
            c.job, BG_JOB_STATE_TRANSIENT_ERROR, HTTP_ERROR(codes[i]), BG_ERROR_CONTEXT_REMOTE_FILE);
        assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
        ht_complete_equal(c.job, c.local, src);
        end_case(&c);
    }
}

static void test_status_fatal(void **state)
{
    static const int codes[] = {400, 401, 403, 404, 405, 410, 451};
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        fault_case c;
        char fault[32];
        sprintf(fault, "status=%d", codes[i]);
        start_case(&c, FALSE, fault);
        ht_expect_error(c.job, BG_JOB_STATE_ERROR, HTTP_ERROR(codes[i]), BG_ERROR_CONTEXT_REMOTE_FILE);
        complete_nothing(&c);
        end_case(&c);
    }
}

static void test_status_tls(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, TRUE, "status=503:1");
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HTTP_ERROR(503), BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);

    start_case(&c, TRUE, "status=404");
    ht_expect_error(c.job, BG_JOB_STATE_ERROR, HTTP_ERROR(404), BG_ERROR_CONTEXT_REMOTE_FILE);
    complete_nothing(&c);
    end_case(&c);
}

/* --- lengths that lie ----------------------------------------------------- */

/* Declared longer than sent: the short body is kept and resumed; the
 * resume finds the real end (416), and the file starts over at its true
 * size. */
static void test_lie_length_longer(void **state)
{
    fault_case c;
    char range[64];

    (void)state;
    start_case(&c, FALSE, "lie-length=+5000:1");
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(tu_progress(c.job).BytesTotal, SRC_SIZE + 5000);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    expect_ranges(c.token, 3, "", range_from(range, SRC_SIZE), "");
    end_case(&c);
}

/* Declared shorter than sent: the bytes past the declared end give it
 * away; nothing of that response is kept. */
static void test_lie_length_shorter(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, FALSE, "lie-length=-5000:1");
    ht_expect_error(
        c.job, BG_JOB_STATE_TRANSIENT_ERROR, BG_E_INVALID_SERVER_RESPONSE, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_int_equal(tu_progress(c.job).BytesTransferred, 0);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    expect_ranges(c.token, 2, "", "");
    end_case(&c);
}

/* A server that always lies never gets its short file accepted. */
static void test_lie_length_always(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, FALSE, "lie-length=-5000");
    ht_expect_error(
        c.job, BG_JOB_STATE_TRANSIENT_ERROR, BG_E_INVALID_SERVER_RESPONSE, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSIENT_ERROR);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSIENT_ERROR);
    assert_int_equal(tu_progress(c.job).FilesTransferred, 0);
    complete_nothing(&c);
    end_case(&c);
}

static void test_no_length_chunked(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, FALSE, "no-length");
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);
}

/* Over https (WinHTTP) a chunked body cut before its last chunk: Wine's
 * WinHTTP ends it without an error, so the end is checked with a Range
 * request past it (416: whole; 206: cut). Never a short file in place: the
 * cut is a transient connection error, and the retry fetches the file
 * again from byte 0 (its size was never known). */
static void test_tls_chunked_drop(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, TRUE, "no-length=chunked,drop=300000:1");
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_false(tu_exists(c.local));
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);

    /* Whole: the check past the end is answered 416, and the job is done. */
    start_case(&c, TRUE, "no-length=chunked");
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);
}

/* A body that ends when the connection closes cannot be told from a
 * dropped one: refused, unless the job said its content is dynamic. */
static void test_no_length_close(void **state)
{
    fault_case c;
    IBackgroundCopyJob5 *job5;
    BITS_JOB_PROPERTY_VALUE v;

    (void)state;
    start_case(&c, FALSE, "no-length=close");
    ht_expect_error(c.job, BG_JOB_STATE_ERROR, BG_E_MISSING_FILE_SIZE, BG_ERROR_CONTEXT_REMOTE_FILE);
    complete_nothing(&c);
    end_case(&c);

    setup_case(&c, FALSE, "no-length=close");
    c.job = ht_job(mgr, c.url, c.local);
    job5 = tu_qi(c.job, &IID_IBackgroundCopyJob5);
    v.Enable = TRUE;
    assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, v));
    IBackgroundCopyJob5_Release(job5);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(c.job));
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);
}

/* --- ranges ----------------------------------------------------------------- */

/* The server ignores Range on the retry: the 200 is taken from byte 0. */
static void test_norange(void **state)
{
    fault_case c;
    char range[64], *json;

    (void)state;
    start_case(&c, FALSE, "drop=300000:1,norange");
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(tu_progress(c.job).BytesTransferred, CUT);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    expect_ranges(c.token, 2, "", range_from(range, CUT));
    json = ht_stats(c.token);
    assert_int_equal(ht_count(json, "\"status\": 206"), 0);
    free(json);
    end_case(&c);
}

/* A server that ignores Range and always ends its answer at the same byte:
 * each retry starts over and gets nothing the job did not have. That is no
 * progress: five such attempts in a row end the job in ERROR with a code
 * that says why, and Resume starts it again. */
static void test_norange_always_short(void **state)
{
    fault_case c;
    char *json;
    int i;

    (void)state;
    start_case(&c, FALSE, "drop=300000,norange");
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    for (i = 0; i < 4; i++)
        assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSIENT_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(c.job));
    ht_expect_error(c.job, BG_JOB_STATE_ERROR, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_true(tu_progress(c.job).BytesTransferred <= CUT);
    /* Resume from ERROR counts afresh: the next wasted attempt is a transient error. */
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSIENT_ERROR);
    json = ht_stats(c.token);
    assert_int_equal(ht_count(json, "\"method\": \"GET\""), 7);
    free(json);
    complete_nothing(&c);
    end_case(&c);
}

/* The disk fails under the job (the writer's test seam,
 * BITSDO_TEST_WRITE_FAIL): full is a transient error, any other write
 * failure an error; both with context LOCAL_FILE, the bytes before the
 * failure kept, nothing at the final name, and Resume goes on from those
 * bytes once the disk is back. */
static void disk_fails(DWORD error, BG_JOB_STATE state)
{
    WCHAR seam[48];
    fault_case c;
    char range[64];

    swprintf(seam, ARRAYSIZE(seam), L"%u:%lu", CUT, (unsigned long)error);
    SetEnvironmentVariableW(L"BITSDO_TEST_WRITE_FAIL", seam);
    start_case(&c, FALSE, "");
    ht_expect_error(c.job, state, HRESULT_FROM_WIN32(error), BG_ERROR_CONTEXT_LOCAL_FILE);
    SetEnvironmentVariableW(L"BITSDO_TEST_WRITE_FAIL", NULL);
    assert_int_equal(tu_progress(c.job).BytesTransferred, CUT);
    assert_false(tu_exists(c.local));
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    expect_ranges(c.token, 2, "", range_from(range, CUT));
    end_case(&c);
}

static void test_disk_full(void **state)
{
    (void)state;
    disk_fails(ERROR_DISK_FULL, BG_JOB_STATE_TRANSIENT_ERROR);
}

static void test_disk_write_fault(void **state)
{
    (void)state;
    disk_fails(ERROR_WRITE_FAULT, BG_JOB_STATE_ERROR);
}

/* A 206 for another range than asked: not a byte of it is written. */
static void test_badrange(void **state)
{
    fault_case c;
    char range[64];

    (void)state;
    start_case(&c, FALSE, "drop=300000:1,badrange:1");
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(tu_progress(c.job).BytesTransferred, CUT);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSIENT_ERROR);
    ht_expect_error(
        c.job, BG_JOB_STATE_TRANSIENT_ERROR, BG_E_INVALID_SERVER_RESPONSE, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_int_equal(tu_progress(c.job).BytesTransferred, CUT);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    expect_ranges(c.token, 3, "", range_from(range, CUT), range);
    end_case(&c);
}

/* The file changes between the cut and the retry: If-Range sees it, the
 * server sends the new file whole, and that is what ends up on disk. */
static void changed(const char *fault, BOOL expect_range)
{
    fault_case c;
    char range[64], *json;

    start_case(&c, FALSE, fault);
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, inverted);
    expect_ranges(c.token, 2, "", expect_range ? range_from(range, CUT) : "");
    json = ht_stats(c.token);
    if (expect_range)
        assert_int_equal(ht_count(json, "\"if_range\": null"), 1);
    free(json);
    end_case(&c);
}

static void test_change_etag(void **state)
{
    (void)state;
    changed("drop=300000:1,change:1", TRUE);
}

static void test_change_last_modified(void **state)
{
    (void)state;
    changed("drop=300000:1,change:1,no-etag", TRUE);
}

/* Without any validator the partial data cannot be checked: no Range. */
static void test_change_no_validator(void **state)
{
    (void)state;
    changed("drop=300000:1,change:1,no-etag,no-lastmod", FALSE);
}

/* A weak ETag cannot be used with If-Range either. */
static void test_weak_etag(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, FALSE, "drop=300000:1,weak-etag,no-lastmod");
    ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CONNECTION, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(c.job, c.local, src);
    expect_ranges(c.token, 2, "", "");
    end_case(&c);
}

/* --- redirects ------------------------------------------------------------ */

static void set_flags(IBackgroundCopyJob *job, ULONG flags)
{
    IBackgroundCopyJobHttpOptions *options = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);

    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, flags));
    IBackgroundCopyJobHttpOptions_Release(options);
}

static void test_redirect_chain(void **state)
{
    static const char *const faults[] = {"redirect=3",
                                         "redirect=1,redirect-code=301",
                                         "redirect=2,redirect-code=307",
                                         "redirect=1,redirect-code=308",
                                         "redirect=1,redirect-code=303"};
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        fault_case c;
        start_case(&c, FALSE, faults[i]);
        ht_complete_equal(c.job, c.local, src);
        end_case(&c);
    }
}

static void test_redirect_report(void **state)
{
    fault_case c;
    WCHAR *name;

    (void)state;
    /* Silent (the default): the remote name stays. */
    start_case(&c, FALSE, "redirect=2");
    assert_int_equal(tu_wait_settled(c.job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    name = ht_remote_name(c.job);
    assert_wstr_equal(name, c.url);
    CoTaskMemFree(name);
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);

    /* Report: the remote name becomes the final URL. */
    setup_case(&c, FALSE, "redirect=2");
    c.job = ht_job(mgr, c.url, c.local);
    set_flags(c.job, BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(c.job));
    assert_int_equal(tu_wait_settled(c.job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    name = ht_remote_name(c.job);
    assert_null(wcsstr(name, L"redirect"));
    assert_non_null(wcsstr(name, L"/fault/id="));
    CoTaskMemFree(name);
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);
}

static void test_redirect_disallow(void **state)
{
    fault_case c;
    WCHAR *name;

    (void)state;
    setup_case(&c, FALSE, "redirect=1");
    c.job = ht_job(mgr, c.url, c.local);
    set_flags(c.job, BG_HTTP_REDIRECT_POLICY_DISALLOW);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(c.job));
    ht_expect_error(c.job, BG_JOB_STATE_ERROR, HRESULT_FROM_WIN32(302), BG_ERROR_CONTEXT_REMOTE_FILE);
    /* As documented, the remote name shows where the server sent us. */
    name = ht_remote_name(c.job);
    assert_null(wcsstr(name, L"redirect"));
    CoTaskMemFree(name);
    complete_nothing(&c);
    end_case(&c);
}

static void test_redirect_loop(void **state)
{
    fault_case c;
    char *json;

    (void)state;
    start_case(&c, FALSE, "redirect-loop");
    ht_expect_error(c.job, BG_JOB_STATE_ERROR, HR_REDIRECT_FAILED, BG_ERROR_CONTEXT_REMOTE_FILE);
    json = ht_stats(c.token);
    assert_int_equal(ht_json_int(json, "get"), 11); /* the request and 10 redirects */
    free(json);
    complete_nothing(&c);
    end_case(&c);
}

static void test_redirect_https_to_http(void **state)
{
    fault_case c;

    (void)state;
    start_case(&c, TRUE, "redirect-to-http");
    ht_expect_error(c.job, BG_JOB_STATE_ERROR, HRESULT_FROM_WIN32(302), BG_ERROR_CONTEXT_REMOTE_FILE);
    complete_nothing(&c);
    end_case(&c);

    setup_case(&c, TRUE, "redirect-to-http");
    c.job = ht_job(mgr, c.url, c.local);
    set_flags(c.job, BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(c.job));
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);
}

static void test_redirect_http_to_https(void **state)
{
    fault_case c;

    (void)state;
    setup_case(&c, FALSE, "redirect-to-https");
    /* By name, so the redirect (built from Host) matches the certificate. */
    swprintf(c.url,
             1024,
             L"http://localhost:%u/fault/id=%hs,redirect-to-https/%ls",
             ht.fault_http,
             c.token,
             SRC_NAME);
    c.job = ht_start(mgr, c.url, c.local);
    ht_complete_equal(c.job, c.local, src);
    end_case(&c);
}

/* --- malformed heads ------------------------------------------------------ */

static void test_garbage_headers(void **state)
{
    static const char *const modes[] = {"binary", "status", "nocolon", "nul", "dup-length", "huge"};
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        fault_case c;
        char fault[64];
        HRESULT hr = !strcmp(modes[i], "huge") ? HRESULT_FROM_WIN32(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW)
                                               : HR_INVALID_RESPONSE;
        sprintf(fault, "garbage-headers=%s:1", modes[i]);
        start_case(&c, FALSE, fault);
        ht_expect_error(c.job, BG_JOB_STATE_TRANSIENT_ERROR, hr, BG_ERROR_CONTEXT_REMOTE_FILE);
        assert_int_equal(tu_progress(c.job).BytesTransferred, 0);
        assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
        ht_complete_equal(c.job, c.local, src);
        end_case(&c);
    }
}

/* --- authentication ------------------------------------------------------- */

static void test_basic_auth(void **state)
{
    fault_case c;
    IBackgroundCopyJob2 *job2;
    BG_AUTH_CREDENTIALS cred;
    char *json;

    (void)state;
    start_case(&c, FALSE, "basic=alice:s3cret");
    ht_expect_error(c.job, BG_JOB_STATE_ERROR, HTTP_ERROR(401), BG_ERROR_CONTEXT_REMOTE_FILE);

    /* Wrong password: still 401, and fatal. */
    job2 = tu_qi(c.job, &IID_IBackgroundCopyJob2);
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = (WCHAR *)L"alice";
    cred.Credentials.Basic.Password = (WCHAR *)L"wrong";
    assert_hr(S_OK, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_ERROR);
    ht_expect_error(c.job, BG_JOB_STATE_ERROR, HTTP_ERROR(401), BG_ERROR_CONTEXT_REMOTE_FILE);

    cred.Credentials.Basic.Password = (WCHAR *)L"s3cret";
    assert_hr(S_OK, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    assert_int_equal(ht_retry(c.job), BG_JOB_STATE_TRANSFERRED);
    IBackgroundCopyJob2_Release(job2);
    ht_complete_equal(c.job, c.local, src);
    json = ht_stats(c.token);
    /* Each attempt is challenged first (credentials are only sent when
     * asked for): none, challenge + wrong, challenge + right. */
    assert_int_equal(ht_count(json, "\"status\": 401"), 4);
    assert_int_equal(ht_count(json, "\"status\": 200"), 1);
    free(json);
    end_case(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_close_early),
        cmocka_unit_test(test_stall_timeout),
        cmocka_unit_test(test_delay_timeout),
        cmocka_unit_test(test_slow),
        cmocka_unit_test(test_tls_drop),
        cmocka_unit_test(test_tls_stall_timeout),
        cmocka_unit_test(test_status_transient),
        cmocka_unit_test(test_status_fatal),
        cmocka_unit_test(test_status_tls),
        cmocka_unit_test(test_lie_length_longer),
        cmocka_unit_test(test_lie_length_shorter),
        cmocka_unit_test(test_lie_length_always),
        cmocka_unit_test(test_no_length_chunked),
        cmocka_unit_test(test_tls_chunked_drop),
        cmocka_unit_test(test_no_length_close),
        cmocka_unit_test(test_norange),
        cmocka_unit_test(test_norange_always_short),
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_disk_write_fault),
        cmocka_unit_test(test_badrange),
        cmocka_unit_test(test_change_etag),
        cmocka_unit_test(test_change_last_modified),
        cmocka_unit_test(test_change_no_validator),
        cmocka_unit_test(test_weak_etag),
        cmocka_unit_test(test_redirect_chain),
        cmocka_unit_test(test_redirect_report),
        cmocka_unit_test(test_redirect_disallow),
        cmocka_unit_test(test_redirect_loop),
        cmocka_unit_test(test_redirect_https_to_http),
        cmocka_unit_test(test_redirect_http_to_https),
        cmocka_unit_test(test_garbage_headers),
        cmocka_unit_test(test_basic_auth),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
