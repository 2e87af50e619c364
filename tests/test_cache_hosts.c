/* Delivery Optimization cache hosts (DOCacheHost) with a real cache engine:
 * a second nginx (tools/nginx-fixture.sh start-cache) as a proxy_cache in
 * front of the origin nginx, and cache hosts that fail in each way.
 *
 * Most tests set the policies through the per-process overrides
 * (BITSDO_POLICY_<name>, src/transfer/policy.h); test_policy_registry
 * writes the documented key in the prefix's HKLM, so this program runs
 * alone (RUN_SERIAL). Delays are measured from the servers' access logs
 * (ms=<epoch seconds.millis> on each line), never slept on.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG_SIZE   (50u << 20) /* the ten-job file */
#define SMALL_SIZE (3u << 20)
#define JOBS       10
#define POLICY_KEY L"SOFTWARE\\Policies\\Microsoft\\Windows\\DeliveryOptimization"

static IBackgroundCopyManager *mgr;
static unsigned cache_port, e502_port, e404_port, other_port, down_port;
static WCHAR other_www[MAX_PATH], origin_log[MAX_PATH], cache_log[MAX_PATH];

static const WCHAR *const policy_names[] = {
    L"DOCacheHost", L"DODownloadMode", L"DODelayCacheServerFallbackForeground",
    L"DODelayCacheServerFallbackBackground"};

/* --- policy -------------------------------------------------------------- */

static void cache_hosts(const char *fmt, ...)
{
    char text[256];
    WCHAR w[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    MultiByteToWideChar(CP_ACP, 0, text, -1, w, ARRAYSIZE(w));
    tu_policy_set(L"DOCacheHost", w);
}

static void clear_policies(void)
{
    tu_policy_clear(POLICY_KEY, policy_names, ARRAYSIZE(policy_names));
}

/* --- logs ---------------------------------------------------------------- */

static char *read_all(const WCHAR *path)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER size;
    DWORD got = 0;
    char *text;

    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(GetFileSizeEx(h, &size) && size.QuadPart < (64 << 20));
    text = malloc((size_t)size.QuadPart + 1);
    assert_non_null(text);
    assert_true(ReadFile(h, text, (DWORD)size.QuadPart, &got, NULL));
    text[got] = 0;
    CloseHandle(h);
    return text;
}

/* What a log says of requests for `name`: GETs of the whole file or a
 * range other than the one-byte probe (`full`), the first one's time and
 * the first request's time (any), and the body bytes of all of them. */
typedef struct log_view {
    int requests, full;
    double first_ms, first_full_ms;
    UINT64 body_bytes;
} log_view;

static log_view look(const WCHAR *log, const char *name)
{
    char *text = read_all(log), *line, *next, needle[160];
    log_view v = {0, 0, 0, 0, 0};

    snprintf(needle, sizeof(needle), "\"GET /%s", name);
    for (line = text; line && *line; line = next) {
        const char *ms, *status_end;
        unsigned long long bytes = 0;
        int status = 0;
        double t;

        if ((next = strchr(line, '\n')))
            *next++ = 0;
        if (!strstr(line, needle) || !(status_end = strstr(line, " HTTP/1.1\" ")))
            continue;
        sscanf(status_end + 11, "%d %llu", &status, &bytes);
        t = (ms = strstr(line, " ms=")) ? atof(ms + 4) * 1000.0 : 0;
        if (!v.requests++)
            v.first_ms = t;
        v.body_bytes += bytes;
        if (!strstr(line, "range=\"bytes=0-0\"")) {
            if (!v.full++)
                v.first_full_ms = t;
        }
    }
    free(text);
    return v;
}

typedef struct log_wait {
    const WCHAR *log;
    const char *name;
    int full;
} log_wait;

static BOOL log_has_full(void *ctx)
{
    log_wait *w = ctx;
    return look(w->log, w->name).full >= w->full;
}

/* nginx logs a request once it has sent the last byte: the client may see
 * the end a moment before the line is there. */
static log_view look_settled(const WCHAR *log, const char *name, int full)
{
    log_wait w = {log, name, full};

    tu_wait_until(log_has_full, &w, TU_WAIT_MS);
    return look(log, name);
}

/* --- jobs ---------------------------------------------------------------- */

typedef struct served {
    char name[96];
    WCHAR wname[96], src[MAX_PATH], url[512];
} served;

static void serve(served *s, const char *prefix, UINT64 size, DWORD seed)
{
    ht_token(s->name, sizeof(s->name), prefix);
    strcat(s->name, ".bin");
    MultiByteToWideChar(CP_ACP, 0, s->name, -1, s->wname, ARRAYSIZE(s->wname));
    ht_make(s->src, ARRAYSIZE(s->src), s->wname, size, seed);
    swprintf(s->url, ARRAYSIZE(s->url), L"http://127.0.0.1:%u/%ls", ht.nginx_http, s->wname);
}

static DOSwarmStats file_stats(IBackgroundCopyJob *job)
{
    IBackgroundCopyFile *file = tu_job_file(job, 0);
    IDeliveryOptimizationFile *dofile = tu_qi(file, &IID_IDeliveryOptimizationFile);
    DOSwarmStats stats;

    memset(&stats, 0xcc, sizeof(stats));
    assert_hr(S_OK, IDeliveryOptimizationFile_GetStats(dofile, &stats));
    CoTaskMemFree(stats.fileId);
    CoTaskMemFree(stats.sourceURL);
    stats.fileId = stats.sourceURL = NULL;
    IDeliveryOptimizationFile_Release(dofile);
    IBackgroundCopyFile_Release(file);
    return stats;
}

/* Transfers s into a new local file, checks it byte for byte and returns
 * the bytes a cache host gave (the rest came from the origin). */
static UINT64 fetch(const served *s, BG_JOB_PRIORITY priority, const WCHAR *local_name)
{
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob *job;
    DOSwarmStats stats;
    UINT64 size = tu_file_size(s->src);

    tu_path(local, ARRAYSIZE(local), local_name);
    DeleteFileW(local);
    job = ht_job(mgr, s->url, local);
    assert_hr(S_OK, IBackgroundCopyJob_SetPriority(job, priority));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    stats = file_stats(job);
    assert_int_equal(stats.totalBytesDownloaded, size);
    assert_int_equal(stats.bytesFromDoinc + stats.bytesFromHttp, size);
    ht_complete_equal(job, local, s->src);
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local);
    return stats.bytesFromDoinc;
}

/* --- fixtures ------------------------------------------------------------ */

static unsigned read_port(const char *dir, const char *name)
{
    char file[64], text[32];

    snprintf(file, sizeof(file), "cache/%s_port", name);
    return ht_read_text(dir, file, text, sizeof(text)) ? (unsigned)atoi(text) : 0;
}

static int group_setup(void **state)
{
    const char *dir = getenv("BITSDO_HTTP_SERVERS");
    char path[1024];

    if (!ht_init() || !dir)
        return -1;
    snprintf(path, sizeof(path), "%s/cache/other", dir);
    tu_unix_to_dos(path, other_www, MAX_PATH);
    snprintf(path, sizeof(path), "%s/cache/logs/access.log", dir);
    tu_unix_to_dos(path, cache_log, MAX_PATH);
    snprintf(path, sizeof(path), "%s/nginx/logs/access.log", dir);
    tu_unix_to_dos(path, origin_log, MAX_PATH);
    cache_port = read_port(dir, "cache");
    e502_port = read_port(dir, "e502");
    e404_port = read_port(dir, "e404");
    other_port = read_port(dir, "other");
    down_port = read_port(dir, "down");
    if (!cache_port || !e502_port || !e404_port || !other_port || !down_port) {
        print_error("the cache hosts' ports are not in %s/cache (fixture not run?)\n", dir);
        return -1;
    }
    clear_policies();
    return tu_group_setup(state);
}

static int group_teardown(void **state)
{
    clear_policies();
    return tu_group_teardown(state);
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

/* --- tests --------------------------------------------------------------- */

/* Ten jobs fetch one 50 MB file through the cache at once: the origin
 * serves it once (plus the one-byte probes), every copy is exact, and the
 * stats give every byte to the cache host. Then the same ten directly. */
static void test_ten_jobs_one_origin_fetch(void **state)
{
    IBackgroundCopyJob *jobs[JOBS];
    WCHAR local[JOBS][MAX_PATH], name[64];
    served s;
    log_view origin, cache;
    double t0, via_cache = 0, direct = 0;
    int pass, i;

    (void)state;
    serve(&s, "cachehost-ten-", BIG_SIZE, 21);
    for (pass = 0; pass < 2; pass++) {
        if (pass == 0)
            cache_hosts("127.0.0.1:%u", cache_port);
        else
            tu_policy_set(L"DOCacheHost", NULL);
        for (i = 0; i < JOBS; i++) {
            swprintf(name, ARRAYSIZE(name), L"ten-%d.out", i);
            tu_path(local[i], MAX_PATH, name);
            DeleteFileW(local[i]);
            jobs[i] = ht_job(mgr, s.url, local[i]);
        }
        t0 = tu_seconds();
        for (i = 0; i < JOBS; i++)
            assert_hr(S_OK, IBackgroundCopyJob_Resume(jobs[i]));
        for (i = 0; i < JOBS; i++)
            assert_int_equal(tu_wait_settled(jobs[i], TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
        if (pass == 0)
            via_cache = tu_seconds() - t0;
        else
            direct = tu_seconds() - t0;
        for (i = 0; i < JOBS; i++) {
            DOSwarmStats stats = file_stats(jobs[i]);

            assert_int_equal(stats.bytesFromDoinc, pass == 0 ? BIG_SIZE : 0);
            assert_int_equal(stats.bytesFromHttp, pass == 0 ? 0 : BIG_SIZE);
            if (pass == 0)
                assert_true(stats.doincConnectionCount >= 1);
            else
                assert_int_equal(stats.doincConnectionCount, 0);
            ht_complete_equal(jobs[i], local[i], s.src);
            IBackgroundCopyJob_Release(jobs[i]);
            DeleteFileW(local[i]);
        }
        if (pass == 0) {
            origin = look_settled(origin_log, s.name, 1);
            cache = look(cache_log, s.name);
            /* once for the cache; the jobs' own requests were only probes */
            assert_int_equal(origin.full, 1);
            assert_int_equal(origin.requests, 1 + JOBS);
            assert_true(origin.body_bytes <= (UINT64)BIG_SIZE + JOBS);
            assert_true(cache.full >= JOBS);
            print_message("ten jobs of %u MB through the cache host: origin served %llu bytes of %llu "
                          "(saved %.1f%%), %.2f s\n",
                          BIG_SIZE >> 20, (unsigned long long)origin.body_bytes,
                          (unsigned long long)BIG_SIZE * JOBS,
                          100.0 * (1.0 - (double)origin.body_bytes / ((double)BIG_SIZE * JOBS)), via_cache);
        }
    }
    print_message("the same ten directly from the origin: %.2f s (through the cache: %.2f s, %.0f against "
                  "%.0f MB/s in total)\n",
                  direct, via_cache, JOBS * (BIG_SIZE >> 20) / via_cache, JOBS * (BIG_SIZE >> 20) / direct);
    DeleteFileW(s.src);
}

/* Cache hosts that cannot serve: each download ends exact from the origin. */
static void test_fallback_unusable_hosts(void **state)
{
    unsigned ports[3] = {down_port, e502_port, e404_port};
    const char *what[3] = {"down", "502", "404"};
    served s;
    log_view cache;
    int i;

    (void)state;
    for (i = 0; i < 3; i++) {
        serve(&s, "cachehost-bad-", SMALL_SIZE, 22 + i);
        cache_hosts("127.0.0.1:%u", ports[i]);
        assert_int_equal(fetch(&s, BG_JOB_PRIORITY_NORMAL, L"bad.out"), 0);
        cache = look(cache_log, s.name);
        if (ports[i] != down_port)
            assert_true(cache.requests >= 1); /* it was asked */
        print_message("cache host %s: %d requests to it, file exact from the origin\n", what[i], cache.requests);
        DeleteFileW(s.src);
    }
}

/* Sets a file's modification time an hour back. */
static void age_file(const WCHAR *path)
{
    HANDLE h = CreateFileW(path, FILE_WRITE_ATTRIBUTES, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ULARGE_INTEGER t;
    FILETIME ft;

    assert_true(h != INVALID_HANDLE_VALUE);
    GetSystemTimeAsFileTime(&ft);
    t.LowPart = ft.dwLowDateTime;
    t.HighPart = ft.dwHighDateTime;
    t.QuadPart -= 3600ull * 10000000ull;
    ft.dwLowDateTime = t.LowPart;
    ft.dwHighDateTime = t.HighPart;
    assert_true(SetFileTime(h, NULL, NULL, &ft));
    CloseHandle(h);
}

/* A cache host serving another file under the same name: its answer shows
 * another size and validator than the origin's probe, so none of its bytes
 * are taken. */
static void test_fallback_wrong_file(void **state)
{
    WCHAR other[MAX_PATH];
    served s;

    (void)state;
    serve(&s, "cachehost-wrong-", SMALL_SIZE, 25);
    swprintf(other, ARRAYSIZE(other), L"%ls\\%ls", other_www, s.wname);
    tu_make_file(other, SMALL_SIZE + 1000, 99);
    cache_hosts("127.0.0.1:%u", other_port);
    assert_int_equal(fetch(&s, BG_JOB_PRIORITY_NORMAL, L"wrong.out"), 0);
    assert_int_equal(look(cache_log, s.name).requests, 1);
    /* the same size but another file: its validator (nginx's ETag is the
     * file's time and size) differs. A copy with the origin's size and
     * validator is taken as the origin's file: there are no content
     * hashes to check it against. */
    tu_make_file(other, SMALL_SIZE, 98);
    age_file(other);
    assert_int_equal(fetch(&s, BG_JOB_PRIORITY_NORMAL, L"wrong.out"), 0);
    DeleteFileW(other);
    DeleteFileW(s.src);
}

/* Hosts are tried in order: a dead first one hands over to the cache. */
static void test_hosts_in_order(void **state)
{
    served s;

    (void)state;
    serve(&s, "cachehost-order-", SMALL_SIZE, 26);
    cache_hosts(" 127.0.0.1:%u , 127.0.0.1:%u", down_port, cache_port);
    assert_int_equal(fetch(&s, BG_JOB_PRIORITY_NORMAL, L"order.out"), SMALL_SIZE);
    DeleteFileW(s.src);
}

/* DODelayCacheServerFallbackBackground: a background job keeps asking the
 * failing cache host for that long before it goes to the origin; a
 * foreground job uses the Foreground delay (here 0). */
static void test_fallback_delay(void **state)
{
    served s;
    log_view cache, origin;
    double waited;

    (void)state;
    cache_hosts("127.0.0.1:%u", e502_port);
    tu_policy_set(L"DODelayCacheServerFallbackBackground", L"2");
    tu_policy_set(L"DODelayCacheServerFallbackForeground", L"0");

    serve(&s, "cachehost-delay-", SMALL_SIZE, 27);
    assert_int_equal(fetch(&s, BG_JOB_PRIORITY_NORMAL, L"delay.out"), 0);
    cache = look(cache_log, s.name);
    origin = look_settled(origin_log, s.name, 1);
    waited = (origin.first_full_ms - cache.first_ms) / 1000.0;
    print_message("background: %d cache requests, origin asked %.3f s after the first (delay 2 s)\n",
                  cache.requests, waited);
    assert_true(cache.requests >= 2);
    assert_true(waited >= 1.95); /* the log's millisecond clock */
    assert_true(waited < 30);
    DeleteFileW(s.src);

    serve(&s, "cachehost-fg-", SMALL_SIZE, 28);
    tu_policy_set(L"DODelayCacheServerFallbackBackground", L"600");
    assert_int_equal(fetch(&s, BG_JOB_PRIORITY_FOREGROUND, L"fg.out"), 0);
    assert_int_equal(look(cache_log, s.name).requests, 1);
    DeleteFileW(s.src);
}

/* The cache host's connection drops after 1 MB: the origin goes on from
 * there (Range and If-Range), nothing is fetched twice. The fault server
 * plays both: the cache URL has the origin's path, so the fault acts on
 * the first answer it can cut (the one-byte probe is too short to). */
static void test_resume_from_cache_bytes(void **state)
{
    char token[64], *json, ranges[8][64];
    served s;
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob *job;
    DOSwarmStats stats;
    int n;

    (void)state;
    serve(&s, "cachehost-resume-", SMALL_SIZE, 29);
    ht_token(token, sizeof(token), "cr");
    swprintf(s.url, ARRAYSIZE(s.url), L"http://127.0.0.1:%u/fault/drop=1048576:1,id=%hs/%ls", ht.fault_http, token,
             s.wname);
    cache_hosts("127.0.0.1:%u", ht.fault_http);
    tu_path(local, ARRAYSIZE(local), L"resume.out");
    DeleteFileW(local);
    job = ht_start(mgr, s.url, local);
    if (tu_wait_settled(job, TU_WAIT_MS) != BG_JOB_STATE_TRANSFERRED) {
        json = ht_stats(token);
        print_error("the fault server's record: %s\n", json);
        free(json);
    }
    assert_int_equal(tu_state(job), BG_JOB_STATE_TRANSFERRED);
    stats = file_stats(job);
    assert_int_equal(stats.bytesFromDoinc, 1048576);
    assert_int_equal(stats.bytesFromHttp, SMALL_SIZE - 1048576);
    ht_complete_equal(job, local, s.src);
    IBackgroundCopyJob_Release(job);
    json = ht_stats(token);
    n = ht_json_ranges(json, ranges, 8);
    assert_int_equal(n, 3);
    assert_string_equal(ranges[0], "bytes=0-0");
    assert_string_equal(ranges[1], "");
    assert_string_equal(ranges[2], "bytes=1048576-");
    free(json);
    DeleteFileW(local);
    DeleteFileW(s.src);
}

/* A Delivery Optimization download (IDODownload) uses the cache host too. */
static void test_do_download(void **state)
{
    IDOManager *dom = NULL;
    IDODownload *d = NULL;
    DO_DOWNLOAD_STATUS st;
    WCHAR local[MAX_PATH];
    served s;
    ULONGLONG deadline;

    (void)state;
    serve(&s, "cachehost-do-", SMALL_SIZE, 30);
    cache_hosts("127.0.0.1:%u", cache_port);
    tu_path(local, ARRAYSIZE(local), L"do.out");
    DeleteFileW(local);
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&dom));
    assert_hr(S_OK, IDOManager_CreateDownload(dom, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, s.url));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    deadline = tu_ms() + TU_WAIT_MS;
    do {
        assert_hr(S_OK, IDODownload_GetStatus(d, &st));
        if (st.State != DODownloadState_Transferring)
            break;
        Sleep(20); /* DO has no settle event; the status is polled, bounded */
    } while (tu_ms() < deadline);
    assert_int_equal(st.State, DODownloadState_Transferred);
    assert_hr(S_OK, IDODownload_Finalize(d));
    assert_true(tu_files_equal(local, s.src));
    assert_true(look(cache_log, s.name).full >= 1);
    assert_int_equal(look_settled(origin_log, s.name, 1).full, 1); /* the cache's fill */
    IDODownload_Release(d);
    IDOManager_Release(dom);
    DeleteFileW(local);
    DeleteFileW(s.src);
}

/* A BITS 1.0 group (qmgr.h) uses the cache host too. */
static void test_qmgr_group(void **state)
{
    IBackgroundCopyQMgr *qmgr = NULL;
    IBackgroundCopyGroup *group = NULL;
    IBackgroundCopyJob1 *job = NULL;
    FILESETINFO info, *infos[1] = {&info};
    WCHAR local[MAX_PATH];
    GUID gid, jid;
    DWORD status = 0, index;
    ULONGLONG deadline;
    served s;

    (void)state;
    serve(&s, "cachehost-qmgr-", SMALL_SIZE, 32);
    cache_hosts("127.0.0.1:%u", cache_port);
    tu_path(local, ARRAYSIZE(local), L"qmgr.out");
    DeleteFileW(local);
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateQMgr, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyQMgr,
                                     (void **)&qmgr));
    assert_hr(S_OK, CoCreateGuid(&gid));
    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(qmgr, gid, &group));
    assert_hr(S_OK, CoCreateGuid(&jid));
    assert_hr(S_OK, IBackgroundCopyGroup_CreateJob(group, jid, &job));
    memset(&info, 0, sizeof(info));
    info.bstrRemoteFile = SysAllocString(s.url);
    info.bstrLocalFile = SysAllocString(local);
    assert_hr(S_OK, IBackgroundCopyJob1_AddFiles(job, 1, infos));
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    deadline = tu_ms() + TU_WAIT_MS;
    do {
        assert_hr(S_OK, IBackgroundCopyGroup_GetStatus(group, &status, &index));
        if (status & (QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_ERROR))
            break;
        Sleep(5); /* BITS 1.0 status is polled (bounded), as its clients do */
    } while (tu_ms() < deadline);
    assert_true(status & QM_STATUS_GROUP_COMPLETE);
    assert_true(tu_files_equal(local, s.src));
    assert_int_equal(look(cache_log, s.name).full, 1);
    assert_int_equal(look_settled(origin_log, s.name, 1).full, 1); /* the cache's fill */
    IBackgroundCopyJob1_Release(job);
    assert_hr(S_OK, IBackgroundCopyGroup_CancelGroup(group));
    IBackgroundCopyGroup_Release(group);
    IBackgroundCopyQMgr_Release(qmgr);
    DeleteFileW(local);
    DeleteFileW(s.src);
}

/* The documented policy key in the prefix's registry: DOCacheHost sends
 * downloads to the cache; DODownloadMode 100 (Bypass) turns it off, 0
 * (HTTP only) and 99 (Simple) keep it, as Microsoft's reference says. */
static void test_policy_registry(void **state)
{
    static const struct {
        BOOL set;
        DWORD mode;
        BOOL cached;
    } modes[] = {{FALSE, 0, TRUE}, {TRUE, 100, FALSE}, {TRUE, 0, TRUE}, {TRUE, 99, TRUE}, {TRUE, 1, TRUE}};
    WCHAR hosts[64];
    served s;
    size_t i;

    (void)state;
    swprintf(hosts, ARRAYSIZE(hosts), L"127.0.0.1:%u", cache_port);
    assert_int_equal(RegSetKeyValueW(HKEY_LOCAL_MACHINE, POLICY_KEY, L"DOCacheHost", REG_SZ, hosts,
                                     (DWORD)(wcslen(hosts) + 1) * sizeof(WCHAR)),
                     ERROR_SUCCESS);
    for (i = 0; i < ARRAYSIZE(modes); i++) {
        if (modes[i].set)
            assert_int_equal(RegSetKeyValueW(HKEY_LOCAL_MACHINE, POLICY_KEY, L"DODownloadMode", REG_DWORD,
                                             &modes[i].mode, sizeof(DWORD)),
                             ERROR_SUCCESS);
        serve(&s, "cachehost-policy-", SMALL_SIZE, 31 + (DWORD)i);
        assert_int_equal(fetch(&s, BG_JOB_PRIORITY_NORMAL, L"policy.out"), modes[i].cached ? SMALL_SIZE : 0);
        assert_int_equal(look(cache_log, s.name).requests, modes[i].cached ? 1 : 0);
        DeleteFileW(s.src);
    }
    /* A per-process override wins over the key (empty: no cache host). */
    tu_policy_set(L"DOCacheHost", L"");
    RegDeleteKeyValueW(HKEY_LOCAL_MACHINE, POLICY_KEY, L"DODownloadMode");
    serve(&s, "cachehost-policy-off-", SMALL_SIZE, 40);
    assert_int_equal(fetch(&s, BG_JOB_PRIORITY_NORMAL, L"policy.out"), 0);
    DeleteFileW(s.src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ten_jobs_one_origin_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_unusable_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_wrong_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_delay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_from_cache_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_do_download, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qmgr_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_registry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
