/* Byte ranges end to end, through the registered DLL:
 *   - IBackgroundCopyJob3::AddFileWithRanges: the documented input checks,
 *     GetFileRanges, the ranges written one after the other in the order
 *     given (from file://, nginx and the fault server), BG_LENGTH_TO_EOF,
 *     exact counters, resume inside a range after a dropped connection,
 *     a server that ignores Range (BG_E_INSUFFICIENT_RANGE_SUPPORT) and a
 *     range past the end (BG_E_INVALID_RANGE);
 *   - IDODownload::Start with DO_DOWNLOAD_RANGES_INFO: each range at its
 *     own offset of the local file, the bytes outside them as the local
 *     file had them, then Start again with more ranges (Transferred ->
 *     Transferring -> Transferred), the DO_E_* input errors; into an IStream:
 *     {0, DO_LENGTH_TO_EOF} streams the whole file, several ranges go into
 *     the stream one after the other in the order given.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <stdlib.h>
#include <string.h>

#ifndef E_NOT_SET
#define E_NOT_SET_HR HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
#else
#define E_NOT_SET_HR E_NOT_SET
#endif

#define SRC_NAME L"ranges.src"
#define SRC_SIZE (2u * TU_MB + 12345u)
#define SRC_SEED 41

static IBackgroundCopyManager *mgr;
static WCHAR src[MAX_PATH], src_url[MAX_PATH * 3];
static BYTE *src_bytes;

static BYTE *read_all(const WCHAR *path, UINT64 *size)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER len;
    DWORD got;
    BYTE *buf;

    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(GetFileSizeEx(h, &len));
    buf = malloc((size_t)len.QuadPart + 1);
    assert_non_null(buf);
    assert_true(ReadFile(h, buf, (DWORD)len.QuadPart, &got, NULL));
    assert_int_equal(got, (DWORD)len.QuadPart);
    CloseHandle(h);
    *size = (UINT64)len.QuadPart;
    return buf;
}

static void write_all(const WCHAR *path, const BYTE *data, DWORD len)
{
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD put;

    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(WriteFile(h, data, len, &put, NULL) && put == len);
    CloseHandle(h);
}

static int group_setup(void **state)
{
    UINT64 size;

    if (tu_group_setup(state) || !ht_init())
        return -1;
    mgr = tu_manager();
    ht_make(src, MAX_PATH, SRC_NAME, SRC_SIZE, SRC_SEED);
    tu_file_url(src_url, ARRAYSIZE(src_url), src);
    src_bytes = read_all(src, &size);
    assert_int_equal(size, SRC_SIZE);
    return 0;
}

static int group_teardown(void **state)
{
    free(src_bytes);
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

static IBackgroundCopyJob3 *job3_of(IBackgroundCopyJob *job)
{
    return tu_qi(job, &IID_IBackgroundCopyJob3);
}

/* The local file must be the ranges, one after the other. */
static void check_packed(const WCHAR *local, const BG_FILE_RANGE *r, unsigned n)
{
    UINT64 size, pos = 0, len;
    BYTE *got = read_all(local, &size);
    unsigned i;

    for (i = 0; i < n; i++) {
        len = r[i].Length == BG_LENGTH_TO_EOF ? SRC_SIZE - r[i].InitialOffset : r[i].Length;
        assert_true(pos + len <= size);
        assert_memory_equal(got + pos, src_bytes + r[i].InitialOffset, (size_t)len);
        pos += len;
    }
    assert_int_equal(size, pos);
    free(got);
}

static UINT64 ranges_sum(const BG_FILE_RANGE *r, unsigned n)
{
    UINT64 sum = 0;
    unsigned i;

    for (i = 0; i < n; i++)
        sum += r[i].Length == BG_LENGTH_TO_EOF ? SRC_SIZE - r[i].InitialOffset : r[i].Length;
    return sum;
}

/* Three ranges out of order, the last one to the end of the file. */
static const BG_FILE_RANGE mixed[] = {
    {TU_MB + 100, 70000},
    {100, 100},
    {SRC_SIZE - 5000, BG_LENGTH_TO_EOF},
};

/* --- AddFileWithRanges input checks ------------------------------------- */

static void test_add_errors(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"range errors", NULL);
    IBackgroundCopyJob3 *job3 = job3_of(job);
    IBackgroundCopyFile2 *file2;
    IBackgroundCopyFile *file;
    WCHAR local[MAX_PATH];
    BG_FILE_RANGE one = {10, 20}, *got = NULL;
    BG_FILE_RANGE dup[] = {{100, 5}, {100, 0}}, over[] = {{0, 10}, {5, 10}};
    BG_FILE_RANGE eof_first[] = {{50, BG_LENGTH_TO_EOF}, {60, 1}}, zero[] = {{10, 0}};
    BG_FILE_RANGE bad_offset[] = {{BG_LENGTH_TO_EOF, 1}}, wrap[] = {{(UINT64)-10, 20}};
    BG_FILE_PROGRESS fp;
    DWORD count = 0;

    (void)state;
    tu_path(local, MAX_PATH, L"errors.out");
    assert_hr(E_INVALIDARG, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 0, &one));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 1, NULL));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, L"rel.out", 1, &one));
    assert_hr(BG_E_INVALID_RANGE, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 1, bad_offset));
    assert_hr(BG_E_INVALID_RANGE, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 1, wrap));
    assert_hr(BG_E_INVALID_RANGE, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 1, zero));
    /* Sorted by offset: the same offset twice overlaps, whatever the lengths. */
    assert_hr(BG_E_OVERLAPPING_RANGES, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 2, dup));
    assert_hr(BG_E_OVERLAPPING_RANGES, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 2, over));
    assert_hr(BG_E_OVERLAPPING_RANGES,
              IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 2, eof_first));
    assert_int_equal(tu_progress(job).FilesTotal, 0);

    /* Accepted: GetFileRanges gives back what was asked, in that order;
     * the total is unknown while a range runs to the end. */
    assert_hr(S_OK, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 3, (BG_FILE_RANGE *)mixed));
    file = tu_job_file(job, 0);
    file2 = tu_qi(file, &IID_IBackgroundCopyFile2);
    assert_hr(S_OK, IBackgroundCopyFile2_GetFileRanges(file2, &count, &got));
    assert_int_equal(count, 3);
    assert_memory_equal(got, mixed, sizeof(mixed));
    CoTaskMemFree(got);
    fp = tu_file_progress(file);
    assert_true(fp.BytesTotal == BG_SIZE_UNKNOWN);
    /* Without BG_LENGTH_TO_EOF the total is known at once. (Each file of a
     * job has its own local file.) */
    assert_hr(E_INVALIDARG,
              IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 2, (BG_FILE_RANGE *)mixed));
    tu_path(local, MAX_PATH, L"errors2.out");
    assert_hr(S_OK, IBackgroundCopyJob3_AddFileWithRanges(job3, src_url, local, 2, (BG_FILE_RANGE *)mixed));
    IBackgroundCopyFile_Release(file);
    file = tu_job_file(job, 1);
    fp = tu_file_progress(file);
    assert_int_equal(fp.BytesTotal, 70100);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyFile2_Release(file2);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob3_Release(job3);
    IBackgroundCopyJob_Release(job);
}

/* --- BITS ranged downloads -------------------------------------------------- */

static IBackgroundCopyJob *ranged_job(const WCHAR *url, const WCHAR *local, const BG_FILE_RANGE *r,
                                      unsigned n)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"ranges", NULL);
    IBackgroundCopyJob3 *job3 = job3_of(job);

    assert_hr(S_OK, IBackgroundCopyJob3_AddFileWithRanges(job3, url, local, n, (BG_FILE_RANGE *)r));
    assert_hr(S_OK, IBackgroundCopyJob_SetNoProgressTimeout(job, 600));
    IBackgroundCopyJob3_Release(job3);
    return job;
}

static void finish_packed(IBackgroundCopyJob *job, const WCHAR *local, const BG_FILE_RANGE *r, unsigned n)
{
    BG_JOB_PROGRESS p;

    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    p = tu_progress(job);
    assert_int_equal(p.BytesTotal, ranges_sum(r, n));
    assert_int_equal(p.BytesTransferred, ranges_sum(r, n));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    check_packed(local, r, n);
    IBackgroundCopyJob_Release(job);
}

static void test_bits_file_url(void **state)
{
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob *job;

    (void)state;
    tu_path(local, MAX_PATH, L"file_url.out");
    job = ranged_job(src_url, local, mixed, 3);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    finish_packed(job, local, mixed, 3);
}

static void test_bits_nginx(void **state)
{
    WCHAR local[MAX_PATH], url[256];
    IBackgroundCopyJob *job;

    (void)state;
    tu_path(local, MAX_PATH, L"nginx.out");
    swprintf(url, 256, L"http://127.0.0.1:%u/%ls", ht.nginx_http, SRC_NAME);
    job = ranged_job(url, local, mixed, 3);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    finish_packed(job, local, mixed, 3);
}

static void test_bits_https(void **state)
{
    WCHAR local[MAX_PATH], url[256];
    IBackgroundCopyJob *job;

    (void)state;
    tu_path(local, MAX_PATH, L"https.out");
    swprintf(url, 256, L"https://localhost:%u/%ls", ht.nginx_https, SRC_NAME);
    job = ranged_job(url, local, mixed, 3);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    finish_packed(job, local, mixed, 3);
}

/* A connection dropped inside the second range: the retry asks only for
 * the rest of that range (with If-Range), then the next range. */
static void test_bits_resume(void **state)
{
    char token[64], ranges[8][64], *json;
    WCHAR local[MAX_PATH], url[256];
    IBackgroundCopyJob *job;
    BG_JOB_PROGRESS p;
    int n;

    (void)state;
    ht_token(token, sizeof(token), "r");
    tu_path(local, MAX_PATH, L"resume.out");
    /* Drop only the first GET, after 1000 bytes of the first range. */
    swprintf(url, 256, L"http://127.0.0.1:%u/fault/id=%hs,drop=1000:1/%ls", ht.fault_http, token, SRC_NAME);
    job = ranged_job(url, local, mixed, 3);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSIENT_ERROR);
    p = tu_progress(job);
    assert_int_equal(p.BytesTransferred, 1000);
    assert_true(p.BytesTotal == BG_SIZE_UNKNOWN || p.BytesTotal == ranges_sum(mixed, 3));
    assert_int_equal(ht_retry(job), BG_JOB_STATE_TRANSFERRED);
    json = ht_stats(token);
    n = ht_json_ranges(json, ranges, 8);
    assert_int_equal(n, 4);
    assert_string_equal(ranges[0], "bytes=1048676-1118675");
    assert_string_equal(ranges[1], "bytes=1049676-1118675");
    assert_string_equal(ranges[2], "bytes=100-199");
    assert_string_equal(ranges[3], "bytes=2104497-2109496");
    free(json);
    finish_packed(job, local, mixed, 3);
}

static void test_bits_norange(void **state)
{
    WCHAR local[MAX_PATH], url[256];
    IBackgroundCopyJob *job;
    char token[64];

    (void)state;
    ht_token(token, sizeof(token), "n");
    tu_path(local, MAX_PATH, L"norange.out");
    swprintf(url, 256, L"http://127.0.0.1:%u/fault/id=%hs,norange/%ls", ht.fault_http, token, SRC_NAME);
    job = ranged_job(url, local, mixed, 3);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_expect_error(job, BG_JOB_STATE_ERROR, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_int_equal(tu_progress(job).BytesTransferred, 0);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

static void test_bits_past_end(void **state)
{
    static const BG_FILE_RANGE past[] = {{0, 10}, {SRC_SIZE - 10, 11}};
    static const BG_FILE_RANGE beyond[] = {{SRC_SIZE + 1, 10}};
    WCHAR local[MAX_PATH], url[256];
    IBackgroundCopyJob *job;

    (void)state;
    tu_path(local, MAX_PATH, L"past.out");
    swprintf(url, 256, L"http://127.0.0.1:%u/%ls", ht.nginx_http, SRC_NAME);
    job = ranged_job(url, local, past, 2);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_expect_error(job, BG_JOB_STATE_ERROR, BG_E_INVALID_RANGE, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);

    job = ranged_job(url, local, beyond, 1);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_expect_error(job, BG_JOB_STATE_ERROR, BG_E_INVALID_RANGE, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);

    job = ranged_job(src_url, local, past, 2);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_expect_error(job, BG_JOB_STATE_ERROR, BG_E_INVALID_RANGE, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

/* --- DO: ranges in place ------------------------------------------------------ */

typedef struct ranges3 {
    UINT RangeCount;
    DO_DOWNLOAD_RANGE Ranges[3];
} ranges3;

#define PREFILL 'X'
#define PREFILL_SIZE (SRC_SIZE - 3000u) /* the local file is shorter than the source */

static void check_in_place(const WCHAR *local, const DO_DOWNLOAD_RANGE *r, unsigned n)
{
    UINT64 size, i, end = PREFILL_SIZE, len;
    BYTE *got = read_all(local, &size);
    BYTE *want = malloc(SRC_SIZE);
    unsigned k;

    /* Outside the ranges: the local file's bytes, and zeros in a gap past
     * its old end. */
    memset(want, PREFILL, PREFILL_SIZE);
    memset(want + PREFILL_SIZE, 0, SRC_SIZE - PREFILL_SIZE);
    for (k = 0; k < n; k++) {
        len = r[k].Length == DO_LENGTH_TO_EOF ? SRC_SIZE - r[k].Offset : r[k].Length;
        memcpy(want + r[k].Offset, src_bytes + r[k].Offset, (size_t)len);
        if (r[k].Offset + len > end)
            end = r[k].Offset + len;
    }
    assert_int_equal(size, end);
    for (i = 0; i < size; i++)
        if (got[i] != want[i])
            fail_msg("byte %llu: %02x, expected %02x", (unsigned long long)i, got[i], want[i]);
    free(want);
    free(got);
}

static void test_do_ranges(void **state)
{
    IDOManager *domgr = NULL;
    IDODownload *d = NULL;
    WCHAR local[MAX_PATH], url[256];
    ranges3 first = {2, {{TU_MB + 7, 5000}, {10, 90}}};
    ranges3 more = {1, {{SRC_SIZE - 100, DO_LENGTH_TO_EOF}}};
    ranges3 zero = {1, {{0, 0}}}, overlap = {2, {{0, 10}, {5, 1}}};
    DO_DOWNLOAD_RANGE all[3];
    DO_DOWNLOAD_STATUS s;
    BYTE *fill;

    (void)state;
    tu_path(local, MAX_PATH, L"do_ranges.out");
    fill = malloc(PREFILL_SIZE);
    memset(fill, PREFILL, PREFILL_SIZE);
    write_all(local, fill, PREFILL_SIZE);
    free(fill);
    swprintf(url, 256, L"http://127.0.0.1:%u/%ls", ht.nginx_http, SRC_NAME);

    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&domgr));
    assert_hr(S_OK, IDOManager_CreateDownload(domgr, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(DO_E_INVALID_RANGE, IDODownload_Start(d, (DO_DOWNLOAD_RANGES_INFO *)&zero));
    assert_hr(DO_E_OVERLAPPING_RANGES, IDODownload_Start(d, (DO_DOWNLOAD_RANGES_INFO *)&overlap));
    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    assert_int_equal(s.State, DODownloadState_Created);

    /* Blocking: returns once the ranges are in. */
    assert_hr(S_OK, IDODownload_Start(d, (DO_DOWNLOAD_RANGES_INFO *)&first));
    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    assert_int_equal(s.State, DODownloadState_Transferred);
    assert_int_equal(s.BytesTotal, 5090);
    assert_int_equal(s.BytesTransferred, 5090);

    /* Again with one more range, to the end of the file. */
    assert_hr(DO_E_OVERLAPPING_RANGES, IDODownload_Start(d, (DO_DOWNLOAD_RANGES_INFO *)&first));
    assert_hr(S_OK, IDODownload_Start(d, (DO_DOWNLOAD_RANGES_INFO *)&more));
    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    assert_int_equal(s.State, DODownloadState_Transferred);
    assert_int_equal(s.BytesTotal, 5190);
    assert_int_equal(s.BytesTransferred, 5190);

    assert_hr(S_OK, IDODownload_Finalize(d));
    all[0] = first.Ranges[0];
    all[1] = first.Ranges[1];
    all[2] = more.Ranges[0];
    check_in_place(local, all, 3);
    IDODownload_Release(d);
    IDOManager_Release(domgr);
}

/* --- DO: ranges into a stream ------------------------------------------------- */

static BYTE *stream_bytes(IStream *stm, ULONG *size)
{
    LARGE_INTEGER zero = {{0}};
    ULARGE_INTEGER end;
    ULONG got = 0;
    BYTE *buf;

    assert_hr(S_OK, IStream_Seek(stm, zero, STREAM_SEEK_END, &end));
    *size = (ULONG)end.QuadPart;
    assert_hr(S_OK, IStream_Seek(stm, zero, STREAM_SEEK_SET, NULL));
    buf = malloc(*size + 1);
    assert_non_null(buf);
    assert_true(SUCCEEDED(IStream_Read(stm, buf, *size, &got)));
    assert_int_equal(got, *size);
    return buf;
}

/* The stream holds exactly the bytes of ranges r[0..n) of the source, one
 * after the other in the order given. */
static void check_stream(IStream *stm, const DO_DOWNLOAD_RANGE *r, unsigned n)
{
    ULONG size, pos = 0;
    BYTE *got = stream_bytes(stm, &size);
    unsigned k;

    for (k = 0; k < n; k++) {
        UINT64 len = r[k].Length == DO_LENGTH_TO_EOF ? SRC_SIZE - r[k].Offset : r[k].Length;

        assert_true(pos + len <= size);
        if (memcmp(got + pos, src_bytes + r[k].Offset, (size_t)len))
            fail_msg("range %u ({%llu, %llu}) is not where it belongs in the stream", k,
                     (unsigned long long)r[k].Offset, (unsigned long long)len);
        pos += (ULONG)len;
    }
    assert_int_equal(size, pos);
    free(got);
}

static IDODownload *stream_download(IDOManager *domgr, IStream *stm)
{
    IDODownload *d = NULL;
    WCHAR url[256];
    VARIANT v;

    swprintf(url, 256, L"http://127.0.0.1:%u/%ls", ht.nginx_http, SRC_NAME);
    assert_hr(S_OK, IDOManager_CreateDownload(domgr, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url));
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)stm;
    assert_hr(S_OK, IDODownload_SetProperty(d, DODownloadProperty_StreamInterface, &v));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    return d;
}

/* The SDK's way to stream a whole file: one range {0, DO_LENGTH_TO_EOF}. */
static void test_do_stream_whole_range(void **state)
{
    ranges3 whole = {1, {{0, DO_LENGTH_TO_EOF}}};
    IDOManager *domgr = NULL;
    IStream *stm = NULL;
    IDODownload *d;
    DO_DOWNLOAD_STATUS s;

    (void)state;
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&domgr));
    assert_hr(S_OK, CreateStreamOnHGlobal(NULL, TRUE, &stm));
    d = stream_download(domgr, stm);
    assert_hr(S_OK, IDODownload_Start(d, (DO_DOWNLOAD_RANGES_INFO *)&whole));
    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    assert_int_equal(s.State, DODownloadState_Transferred);
    assert_int_equal(s.BytesTransferred, SRC_SIZE);
    check_stream(stm, whole.Ranges, 1);
    assert_hr(S_OK, IDODownload_Finalize(d));
    IDODownload_Release(d);
    assert_int_equal(IStream_Release(stm), 0);
    IDOManager_Release(domgr);
}

/* Several ranges, out of offset order, go into the stream in the order
 * given; a later Start with another range appends just that one. */
static void test_do_stream_ranges(void **state)
{
    ranges3 first = {3, {{TU_MB + 7, 5000}, {10, 90}, {2 * TU_MB, 777}}};
    ranges3 more = {1, {{SRC_SIZE - 100, DO_LENGTH_TO_EOF}}};
    DO_DOWNLOAD_RANGE all[4];
    IDOManager *domgr = NULL;
    IStream *stm = NULL;
    IDODownload *d;
    DO_DOWNLOAD_STATUS s;

    (void)state;
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&domgr));
    assert_hr(S_OK, CreateStreamOnHGlobal(NULL, TRUE, &stm));
    d = stream_download(domgr, stm);
    assert_hr(S_OK, IDODownload_Start(d, (DO_DOWNLOAD_RANGES_INFO *)&first));
    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    assert_int_equal(s.State, DODownloadState_Transferred);
    assert_int_equal(s.BytesTransferred, 5000 + 90 + 777);
    check_stream(stm, first.Ranges, 3);

    assert_hr(S_OK, IDODownload_Start(d, (DO_DOWNLOAD_RANGES_INFO *)&more));
    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    assert_int_equal(s.State, DODownloadState_Transferred);
    memcpy(all, first.Ranges, sizeof(first.Ranges));
    all[3] = more.Ranges[0];
    check_stream(stm, all, 4);
    assert_hr(S_OK, IDODownload_Finalize(d));
    IDODownload_Release(d);
    assert_int_equal(IStream_Release(stm), 0);
    IDOManager_Release(domgr);
}

/* HttpStatusCode / HttpResponseHeaders / HttpRedirectionTarget /
 * HttpServerIPAddress: what the transport saw, after a redirect. */
/* HttpAllowSecureToNonSecureRedirect: an https URL that redirects to
 * http fails without it and downloads with it. */
static void do_redirect_to_http(BOOL allow)
{
    IDOManager *domgr = NULL;
    IDODownload *d = NULL;
    WCHAR local[MAX_PATH], url[256];
    DO_DOWNLOAD_STATUS status;
    char token[64];
    HRESULT hr;

    ht_token(token, sizeof(token), allow ? "s2h-allow" : "s2h-deny");
    tu_path(local, MAX_PATH, L"%hs.out", token);
    swprintf(url, 256, L"https://localhost:%u/fault/id=%hs,redirect-to-http/%ls", ht.fault_https, token,
             SRC_NAME);
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&domgr));
    assert_hr(S_OK, IDOManager_CreateDownload(domgr, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, allow));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    hr = IDODownload_Start(d, NULL);
    assert_hr(S_OK, IDODownload_GetStatus(d, &status));
    if (allow) {
        assert_hr(S_OK, hr);
        assert_int_equal(status.State, DODownloadState_Transferred);
        assert_hr(S_OK, IDODownload_Finalize(d));
        assert_true(tu_files_equal(local, src));
    } else {
        assert_true(FAILED(hr));
        assert_true(FAILED(status.Error));
        assert_false(tu_exists(local));
        assert_hr(S_OK, IDODownload_Abort(d));
    }
    IDODownload_Release(d);
    IDOManager_Release(domgr);
}

static void test_do_https_to_http_redirect(void **state)
{
    (void)state;
    do_redirect_to_http(FALSE);
    do_redirect_to_http(TRUE);
}

static void test_do_http_properties(void **state)
{
    IDOManager *domgr = NULL;
    IDODownload *d = NULL;
    WCHAR local[MAX_PATH], url[256], len_line[64];
    char token[64];
    VARIANT v;

    (void)state;
    ht_token(token, sizeof(token), "p");
    tu_path(local, MAX_PATH, L"do_http.out");
    swprintf(url, 256, L"http://127.0.0.1:%u/fault/id=%hs,redirect=1/%ls", ht.fault_http, token, SRC_NAME);
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&domgr));
    assert_hr(S_OK, IDOManager_CreateDownload(domgr, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(E_NOT_SET_HR, IDODownload_GetProperty(d, DODownloadProperty_HttpStatusCode, &v));
    assert_hr(S_OK, IDODownload_Start(d, NULL));

    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_HttpStatusCode, &v));
    assert_int_equal(V_VT(&v), VT_UI4);
    assert_int_equal(V_UI4(&v), 200);
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_HttpResponseHeaders, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_true(!wcsncmp(V_BSTR(&v), L"HTTP/1.1 200", 12));
    swprintf(len_line, 64, L"\r\nContent-Length: %u\r\n", SRC_SIZE);
    assert_non_null(wcsstr(V_BSTR(&v), len_line));
    VariantClear(&v);
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_HttpRedirectionTarget, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_true(wcscmp(V_BSTR(&v), url) != 0);
    assert_non_null(wcsstr(V_BSTR(&v), SRC_NAME));
    VariantClear(&v);
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_HttpServerIPAddress, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_wstr_equal(V_BSTR(&v), L"127.0.0.1");
    VariantClear(&v);
    V_VT(&v) = VT_UI4;
    V_UI4(&v) = 404;
    assert_hr(DO_E_READ_ONLY_PROPERTY, IDODownload_SetProperty(d, DODownloadProperty_HttpStatusCode, &v));
    assert_hr(S_OK, IDODownload_Finalize(d));
    assert_true(tu_files_equal(local, src));
    IDODownload_Release(d);
    IDOManager_Release(domgr);
}

/* --- IDeliveryOptimizationJob(2) / File(2) on BITS-style jobs ------------ */

static void test_do_extensions(void **state)
{
    static const BG_FILE_RANGE two[] = {{5000, 1000}, {0, 10}};
    static const BG_FILE_RANGE over[] = {{0, 10}, {9, 1}};
    IBackgroundCopyJob *job = tu_create_job(mgr, L"do extensions", NULL);
    IDeliveryOptimizationJob *dojob = tu_qi(job, &IID_IDeliveryOptimizationJob);
    IDeliveryOptimizationJob2 *dojob2 = tu_qi(job, &IID_IDeliveryOptimizationJob2);
    IDeliveryOptimizationFile *dofile;
    IDeliveryOptimizationFile2 *dofile2;
    IBackgroundCopyFile *file;
    WCHAR local[MAX_PATH], local2[MAX_PATH], url[256], bad[256];
    DOSwarmStats st;
    VARIANT v;
    void *obj = (void *)1;
    char token[64];

    (void)state;
    tu_path(local, MAX_PATH, L"dojob.out");
    tu_path(local2, MAX_PATH, L"dojob2.out");
    swprintf(url, 256, L"http://127.0.0.1:%u/%ls", ht.nginx_http, SRC_NAME);
    ht_token(token, sizeof(token), "x");
    swprintf(bad, 256, L"http://127.0.0.1:%u/fault/id=%hs,norange/%ls", ht.fault_http, token, SRC_NAME);

    assert_hr(E_INVALIDARG, IDeliveryOptimizationJob_AddFileWithRanges(dojob, L"a", url, L"", 0, NULL, DO_UNKNOWN_FILE_SIZE));
    assert_hr(E_INVALIDARG, IDeliveryOptimizationJob_AddFileWithRanges(dojob, NULL, url, local, 0, NULL, DO_UNKNOWN_FILE_SIZE));
    assert_hr(DO_E_OVERLAPPING_RANGES,
              IDeliveryOptimizationJob_AddFileWithRanges(dojob, L"a", url, local, 2, (BG_FILE_RANGE *)over, DO_UNKNOWN_FILE_SIZE));
    assert_hr(DO_E_INVALID_RANGE,
              IDeliveryOptimizationJob_AddFileWithRanges(dojob, L"a", url, local, 2, (BG_FILE_RANGE *)two, 5500));
    assert_hr(S_OK, IDeliveryOptimizationJob_AddFileWithRanges(dojob, L"a", url, local, 2, (BG_FILE_RANGE *)two, SRC_SIZE));
    assert_hr(E_INVALIDARG, IDeliveryOptimizationJob_AddFileWithRanges(dojob, L"a", url, local2, 0, NULL, SRC_SIZE));
    /* A whole file whose size the caller gives: known before any byte moves. */
    assert_hr(S_OK, IDeliveryOptimizationJob_AddFileWithRanges(dojob, L"b", url, local2, 0, NULL, SRC_SIZE));
    assert_int_equal(tu_progress(job).BytesTotal, SRC_SIZE + 1010);
    assert_hr(E_NOTIMPL, IDeliveryOptimizationJob2_AddFile(dojob2, L"c", url, 0, NULL, &IID_IBackgroundCopyFile, &obj));
    assert_null(obj);
    assert_hr(BG_E_ERROR_INFORMATION_UNAVAILABLE,
              IDeliveryOptimizationJob2_GetProperty(dojob2, DOJobPropertyId_ExtendedErrorInfo, &v));
    assert_hr(DO_E_READ_ONLY_PROPERTY, IDeliveryOptimizationJob2_SetProperty(dojob2, DOJobPropertyId_ExtendedErrorInfo, &v));
    assert_hr(DO_E_UNKNOWN_PROPERTY_ID, IDeliveryOptimizationJob2_GetProperty(dojob2, (DOJobPropertyId)7, &v));

    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    file = tu_job_file(job, 0);
    dofile = tu_qi(file, &IID_IDeliveryOptimizationFile);
    dofile2 = tu_qi(file, &IID_IDeliveryOptimizationFile2);
    assert_hr(S_OK, IDeliveryOptimizationFile_GetStats(dofile, &st));
    assert_wstr_equal(st.fileId, L"a");
    assert_wstr_equal(st.sourceURL, url);
    assert_int_equal(st.fileSize, 1010);
    assert_int_equal(st.totalBytesDownloaded, 1010);
    assert_int_equal(st.bytesFromHttp, 1010);
    assert_int_equal(st.bytesFromLanPeers + st.bytesFromGroupPeers + st.bytesFromInternetPeers, 0);
    assert_int_equal(st.bytesToLanPeers + st.bytesToGroupPeers + st.bytesToInternetPeers, 0);
    assert_int_equal(st.downloadMode, DownloadMode_CdnOnly);
    assert_int_equal(st.status, SwarmStatus_Complete);
    CoTaskMemFree(st.fileId);
    CoTaskMemFree(st.sourceURL);
    assert_hr(S_OK, IDeliveryOptimizationFile2_GetProperty(dofile2, DOFilePropertyId_TotalSizeBytes, &v));
    assert_int_equal(V_VT(&v), VT_UI8);
    assert_int_equal(V_UI8(&v), 1010);
    assert_hr(S_OK, IDeliveryOptimizationFile2_GetProperty(dofile2, DOFilePropertyId_DownloadSinkFilePath, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_wstr_equal(V_BSTR(&v), local);
    assert_hr(DO_E_READ_ONLY_PROPERTY, IDeliveryOptimizationFile2_SetProperty(dofile2, DOFilePropertyId_DownloadSinkFilePath, &v));
    VariantClear(&v);
    V_VT(&v) = VT_BOOL;
    V_BOOL(&v) = VARIANT_TRUE;
    assert_hr(E_NOTIMPL, IDeliveryOptimizationFile2_SetProperty(dofile2, DOFilePropertyId_IntegrityCheckMandatory, &v));
    assert_hr(DO_E_UNKNOWN_PROPERTY_ID, IDeliveryOptimizationFile2_GetProperty(dofile2, (DOFilePropertyId)99, &v));
    IDeliveryOptimizationFile2_Release(dofile2);
    IDeliveryOptimizationFile_Release(dofile);
    IBackgroundCopyFile_Release(file);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    {
        static const BG_FILE_RANGE two_sorted_as_given[] = {{5000, 1000}, {0, 10}};
        check_packed(local, two_sorted_as_given, 2);
    }
    IDeliveryOptimizationJob2_Release(dojob2);
    IDeliveryOptimizationJob_Release(dojob);
    IBackgroundCopyJob_Release(job);

    /* ExtendedErrorInfo of a job in ERROR. */
    job = tu_create_job(mgr, L"do extensions error", NULL);
    dojob = tu_qi(job, &IID_IDeliveryOptimizationJob);
    dojob2 = tu_qi(job, &IID_IDeliveryOptimizationJob2);
    assert_hr(S_OK, IDeliveryOptimizationJob_AddFileWithRanges(dojob, L"e", bad, local, 2, (BG_FILE_RANGE *)two, DO_UNKNOWN_FILE_SIZE));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_expect_error(job, BG_JOB_STATE_ERROR, BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(S_OK, IDeliveryOptimizationJob2_GetProperty(dojob2, DOJobPropertyId_ExtendedErrorInfo, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_true(!wcsncmp(V_BSTR(&v), L"0x80200013: ", 12));
    VariantClear(&v);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IDeliveryOptimizationJob2_Release(dojob2);
    IDeliveryOptimizationJob_Release(dojob);
    IBackgroundCopyJob_Release(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_add_errors, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_bits_file_url, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_bits_nginx, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_bits_https, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_bits_resume, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_bits_norange, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_bits_past_end, tu_cancel_all_jobs),
        cmocka_unit_test(test_do_ranges),
        cmocka_unit_test_teardown(test_do_stream_whole_range, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_do_stream_ranges, tu_cancel_all_jobs),
        cmocka_unit_test(test_do_http_properties),
        cmocka_unit_test(test_do_https_to_http_redirect),
        cmocka_unit_test_teardown(test_do_extensions, tu_cancel_all_jobs),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
