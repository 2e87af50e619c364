/* Tests for the per-user job store (src/store), under Wine, on real files:
 * put/get with every field equal, a store of five with one corrupted and
 * one truncated record, a crash in the middle of a write (the test seam),
 * leftover .tmp files, DPAPI-protected credentials that never reach the
 * disk in clear, delete, a folder that does not exist yet, puts from
 * several threads, and the cost of a put (printed, not asserted).
 *
 * Links the store and core libraries directly: no COM here. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "facaderec.h"
#include "store.h"

/* --- helpers ---------------------------------------------------------------- */

/* A folder of its own for each test: tu_dir()\<name>; the store is its
 * "jobs" subfolder (so host.log lands in tu_dir()\<name>). */
static void test_root(const char *name, WCHAR *root, WCHAR *jobs)
{
    WCHAR wname[64];

    MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 64);
    tu_path(root, MAX_PATH, L"%ls", wname);
    tu_mkdirs(root);
    tu_empty_dir(root);
    swprintf(jobs, MAX_PATH, L"%ls\\jobs", root);
}

static void make_guid(GUID *id, unsigned n)
{
    memset(id, 0, sizeof(*id));
    id->Data1 = 0x5170E000u + n;
    id->Data2 = 0xB175;
    id->Data3 = 0x4D0F;
    id->Data4[0] = 0x80;
    id->Data4[7] = (BYTE)n;
}

static void set_str(bitsdo_wchar **field, const WCHAR *value)
{
    assert_int_equal(bitsdo_set_wstr(field, (const bitsdo_wchar *)value), BITSDO_S_OK);
}

/* A job with every field set to something other than its default. */
static void make_full_rec(bitsdo_job_rec *rec, const GUID *id)
{
    static const bitsdo_range ranges[2] = {{0, 100}, {500, 20}};

    bitsdo_job_rec_init(rec);
    memcpy(rec->id, id, 16);
    rec->type = 2;
    rec->priority = 0;
    rec->state = BITSDO_STATE_TRANSIENT_ERROR;
    set_str(&rec->display_name, L"store job \x00e9");
    set_str(&rec->description, L"");
    set_str(&rec->owner_sid, L"S-1-5-21-1-2-3-1000");
    set_str(&rec->notify_program, L"C:\\n.exe");
    set_str(&rec->notify_parameters, L"n.exe x");
    rec->notify_flags = 0x0B;
    rec->min_retry_delay = 61;
    rec->no_progress_timeout = 0;
    rec->error_count = 3;
    rec->created = 0x01DA000000000001ull;
    rec->modified = 0x01DA000000000002ull;
    rec->transfer_completed = 0x01DA000000000003ull;
    rec->proxy_usage = 2;
    set_str(&rec->proxy_list, L"proxy:8080");
    set_str(&rec->proxy_bypass, L"<local>");
    rec->error_hr = (bitsdo_hr)0x80190193;
    rec->error_context = 5;
    rec->peer_caching_flags = 3;
    rec->file_acl_flags = 0x0F;
    rec->max_download_time = 3600;
    rec->cost_flags = 0x80000021u;
    rec->dynamic_content = 1;
    rec->high_performance = 1;
    rec->max_download_size = 0x123456789ull;
    rec->min_notify_interval_ms = 250;
    set_str(&rec->http_headers, L"X-A: 1\r\n");
    rec->security_flags = 0x0101;
    assert_int_equal(bitsdo_job_rec_add_file(rec, u"https://h/a", u"C:\\d\\a", NULL, 0), BITSDO_S_OK);
    bitsdo_counters_set_size(&rec->counters, &rec->files[0]->counters, 1000);
    assert_true(bitsdo_counters_add_bytes(&rec->counters, &rec->files[0]->counters, 400));
    set_str(&rec->files[0]->temp_name, L"C:\\d\\BIT1.tmp");
    set_str(&rec->files[0]->validator, L"\"etag\"");
    set_str(&rec->files[0]->file_id, L"file-id-1");
    rec->files[0]->remote_mtime = 0x01D9FFFFFFFFFFFFull;
    rec->files[0]->validation_state = 1;
    assert_int_equal(bitsdo_job_rec_add_file(rec, u"http://h/b", u"C:\\d\\b", ranges, 2), BITSDO_S_OK);
    assert_true(bitsdo_counters_add_bytes(&rec->counters, &rec->files[1]->counters, 120));
    bitsdo_counters_file_done(&rec->counters, &rec->files[1]->counters);
    rec->error_file = 1;
}

/* What a typical job looks like in the store: one file, part-way. */
static void make_typical_rec(bitsdo_job_rec *rec, const GUID *id)
{
    bitsdo_job_rec_init(rec);
    memcpy(rec->id, id, 16);
    rec->state = BITSDO_STATE_TRANSFERRING;
    set_str(&rec->display_name, L"Downloading update");
    set_str(&rec->owner_sid, L"S-1-5-21-3623811015-3361044348-30300820-1013");
    rec->created = rec->modified = 0x01DA000000000000ull;
    assert_int_equal(bitsdo_job_rec_add_file(rec,
                                             u"https://download.example.com/updates/package-1.2.3.msi",
                                             u"C:\\Users\\user\\Downloads\\package-1.2.3.msi",
                                             NULL,
                                             0),
                     BITSDO_S_OK);
    bitsdo_counters_set_size(&rec->counters, &rec->files[0]->counters, 52428800);
    assert_true(bitsdo_counters_add_bytes(&rec->counters, &rec->files[0]->counters, 1048576));
    set_str(&rec->files[0]->temp_name, L"C:\\Users\\user\\Downloads\\BIT5A2C.tmp");
    set_str(&rec->files[0]->validator, L"\"5f3a-1e00000\"");
}

/* Every field equal: the loaded record writes exactly the bytes the
 * original writes (test_jobrec proves write/read keeps every field). */
static void expect_same_rec(const bitsdo_job_rec *a, const bitsdo_job_rec *b)
{
    uint8_t *ba, *bb;
    size_t la, lb;

    assert_int_equal(bitsdo_job_rec_write(a, &ba, &la), BITSDO_S_OK);
    assert_int_equal(bitsdo_job_rec_write(b, &bb, &lb), BITSDO_S_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    free(ba);
    free(bb);
}

/* What the load callback saw. */
#define MAX_SEEN 64
typedef struct seen_job {
    GUID id;
    uint32_t kind;
    bitsdo_job_rec rec;
    uint8_t extras[256];
    uint32_t extras_len;
    uint8_t *creds;
    uint32_t creds_len;
} seen_job;

typedef struct seen {
    unsigned count;
    seen_job jobs[MAX_SEEN];
} seen;

static HRESULT collect(void *ctx, const GUID *id, uint32_t kind, bitsdo_job_rec *rec,
                       const bitsdo_store_section *sections, uint32_t n)
{
    seen *s = ctx;
    seen_job *j;
    uint32_t i;

    if (s->count >= MAX_SEEN)
        return E_FAIL;
    j = &s->jobs[s->count++];
    memset(j, 0, sizeof(*j));
    j->id = *id;
    j->kind = kind;
    /* take the record over, as the engine will */
    memcpy(&j->rec, rec, sizeof(*rec));
    bitsdo_job_rec_init(rec);
    for (i = 0; i < n; i++) {
        if (sections[i].id == BITSDO_STORE_SECTION_FACADE && sections[i].len <= sizeof(j->extras)) {
            memcpy(j->extras, sections[i].data, sections[i].len);
            j->extras_len = sections[i].len;
        } else if (sections[i].id == BITSDO_STORE_SECTION_CREDENTIALS) {
            j->creds = malloc(sections[i].len ? sections[i].len : 1);
            assert_non_null(j->creds);
            memcpy(j->creds, sections[i].data, sections[i].len);
            j->creds_len = sections[i].len;
        }
    }
    return S_OK;
}

static void seen_free(seen *s)
{
    unsigned i;

    for (i = 0; i < s->count; i++) {
        bitsdo_job_rec_free(&s->jobs[i].rec);
        free(s->jobs[i].creds);
    }
    s->count = 0;
}

static seen_job *seen_find(seen *s, const GUID *id)
{
    unsigned i;

    for (i = 0; i < s->count; i++)
        if (IsEqualGUID(&s->jobs[i].id, id))
            return &s->jobs[i];
    return NULL;
}

static void job_file(const WCHAR *jobs, const GUID *id, const WCHAR *ext, WCHAR *out)
{
    WCHAR name[64];

    StringFromGUID2(id, name, 64);
    swprintf(out, MAX_PATH, L"%ls\\%ls%ls", jobs, name, ext);
}

/* Where a put writes before its move: tmp\{GUID}.tmp in the store folder. */
static void tmp_file(const WCHAR *jobs, const GUID *id, WCHAR *out)
{
    WCHAR name[64];

    StringFromGUID2(id, name, 64);
    swprintf(out, MAX_PATH, L"%ls\\tmp\\%ls.tmp", jobs, name);
}

static uint8_t *read_all(const WCHAR *path, size_t *len)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD size, got = 0;
    uint8_t *buf;

    assert_true(h != INVALID_HANDLE_VALUE);
    size = GetFileSize(h, NULL);
    buf = malloc(size ? size : 1);
    assert_non_null(buf);
    assert_true(ReadFile(h, buf, size, &got, NULL));
    assert_int_equal(got, size);
    CloseHandle(h);
    *len = size;
    return buf;
}

static void write_all(const WCHAR *path, const void *data, size_t len)
{
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD written = 0;

    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(WriteFile(h, data, (DWORD)len, &written, NULL));
    assert_int_equal(written, len);
    CloseHandle(h);
}

static BOOL contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    size_t i;

    for (i = 0; m && i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return TRUE;
    return FALSE;
}

/* How many files in dir match the pattern. */
static int count_files(const WCHAR *dir, const WCHAR *pattern)
{
    WCHAR path[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE find;
    int n = 0;

    swprintf(path, MAX_PATH, L"%ls\\%ls", dir, pattern);
    if ((find = FindFirstFileW(path, &fd)) == INVALID_HANDLE_VALUE)
        return 0;
    do
        n++;
    while (FindNextFileW(find, &fd));
    FindClose(find);
    return n;
}

/* --- tests ------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
    static const uint8_t extras[5] = {9, 8, 7, 6, 5};
    static const uint8_t creds[7] = {1, 2, 3, 4, 5, 6, 7};
    WCHAR root[MAX_PATH], jobs[MAX_PATH], path[MAX_PATH];
    bitsdo_store_report report;
    bitsdo_store *store;
    bitsdo_job_rec rec;
    seen s = {0};
    GUID id;

    (void)state;
    test_root("round_trip", root, jobs);
    /* two levels that do not exist yet: the store creates them */
    wcscat(jobs, L"\\deeper");
    assert_false(tu_exists(jobs));
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    assert_true(GetFileAttributesW(jobs) & FILE_ATTRIBUTE_DIRECTORY);
    assert_wstr_equal(bitsdo_store_dir(store), jobs);

    make_guid(&id, 1);
    make_full_rec(&rec, &id);
    assert_hr(S_OK,
              bitsdo_store_put_job(
                  store, BITSDO_STORE_KIND_DO_DOWNLOAD, &rec, extras, sizeof(extras), creds, sizeof(creds)));
    job_file(jobs, &id, L".job", path);
    assert_true(tu_exists(path));
    assert_int_equal(count_files(jobs, L"*.tmp"), 0);

    /* get: one record, every field equal, sections intact */
    assert_hr(S_OK, bitsdo_store_get(store, &id, collect, &s));
    assert_int_equal(s.count, 1);
    assert_true(IsEqualGUID(&s.jobs[0].id, &id));
    assert_int_equal(s.jobs[0].kind, BITSDO_STORE_KIND_DO_DOWNLOAD);
    expect_same_rec(&rec, &s.jobs[0].rec);
    assert_wstr_equal((WCHAR *)s.jobs[0].rec.files[0]->file_id, L"file-id-1");
    assert_int_equal(s.jobs[0].extras_len, sizeof(extras));
    assert_memory_equal(s.jobs[0].extras, extras, sizeof(extras));
    assert_int_equal(s.jobs[0].creds_len, sizeof(creds));
    assert_memory_equal(s.jobs[0].creds, creds, sizeof(creds));
    seen_free(&s);

    /* replace: the new version is what loads */
    rec.state = BITSDO_STATE_SUSPENDED;
    set_str(&rec.display_name, L"renamed");
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_DO_DOWNLOAD, &rec, NULL, 0, NULL, 0));
    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, &report));
    assert_int_equal(report.loaded, 1);
    assert_int_equal(report.set_aside, 0);
    assert_int_equal(report.tmp_removed, 0);
    assert_int_equal(s.count, 1);
    expect_same_rec(&rec, &s.jobs[0].rec);
    assert_int_equal(s.jobs[0].extras_len, 0);
    assert_null(s.jobs[0].creds);
    bitsdo_store_report_free(&report);
    seen_free(&s);

    /* a store opened again on the same folder (a restart) reads the same */
    bitsdo_store_close(store);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, NULL));
    assert_int_equal(s.count, 1);
    expect_same_rec(&rec, &s.jobs[0].rec);
    seen_free(&s);

    /* a missing record */
    make_guid(&id, 99);
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), bitsdo_store_get(store, &id, collect, &s));
    assert_int_equal(s.count, 0);
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);
}

static void test_put_bad_arguments(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH];
    bitsdo_store_section sec[2];
    bitsdo_store *store;
    bitsdo_job_rec rec;
    uint8_t *buf;
    size_t len;
    GUID id, other;

    (void)state;
    test_root("bad_arguments", root, jobs);
    assert_hr(E_POINTER, bitsdo_store_open(jobs, NULL));
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    make_guid(&id, 1);
    make_guid(&other, 2);
    make_typical_rec(&rec, &id);
    assert_int_equal(bitsdo_job_rec_write(&rec, &buf, &len), BITSDO_S_OK);
    sec[0] = (bitsdo_store_section){BITSDO_STORE_SECTION_JOB, buf, (uint32_t)len};
    sec[1] = (bitsdo_store_section){BITSDO_STORE_SECTION_FACADE, buf, 4};
    assert_hr(E_INVALIDARG, bitsdo_store_put(NULL, &id, 1, sec, 1));
    assert_hr(E_INVALIDARG, bitsdo_store_put(store, NULL, 1, sec, 1));
    assert_hr(E_INVALIDARG, bitsdo_store_put(store, &id, 1, sec + 1, 1)); /* no job section */
    assert_hr(E_INVALIDARG, bitsdo_store_put(store, &other, 1, sec, 1));  /* another job's record */
    assert_hr(E_INVALIDARG, bitsdo_store_put(store, &id, 0, sec, 1));     /* kind 0 */
    sec[1].id = BITSDO_STORE_SECTION_JOB;
    assert_hr(E_INVALIDARG, bitsdo_store_put(store, &id, 1, sec, 2)); /* a repeated id */
    sec[0].len = (uint32_t)len - 1;
    assert_hr(E_INVALIDARG, bitsdo_store_put(store, &id, 1, sec, 1)); /* a job record that does not parse */
    assert_hr(E_INVALIDARG, bitsdo_store_load_all(store, NULL, NULL, NULL));
    assert_hr(E_INVALIDARG, bitsdo_store_put(store, &id, 1, sec, 0)); /* no sections at all */
    /* nothing was written */
    assert_int_equal(count_files(jobs, L"*.job") + count_files(jobs, L"*.tmp"), 0);
    free(buf);
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);
}

static void test_corrupt_and_truncated(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH], path[MAX_PATH], name[64];
    bitsdo_store_report report;
    bitsdo_store *store;
    bitsdo_job_rec rec[5];
    seen s = {0};
    GUID ids[5];
    uint8_t *bytes, *log;
    size_t len, log_len;
    unsigned i, k;

    (void)state;
    test_root("corrupt", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    for (i = 0; i < 5; i++) {
        make_guid(&ids[i], 10 + i);
        make_full_rec(&rec[i], &ids[i]);
        rec[i].error_count = i;
        assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &rec[i], NULL, 0, NULL, 0));
    }
    /* job 1: one byte flipped in the middle of the job record */
    job_file(jobs, &ids[1], L".job", path);
    bytes = read_all(path, &len);
    bytes[len / 2] ^= 0x20;
    write_all(path, bytes, len);
    free(bytes);
    /* job 3: cut short, as a torn write outside our protocol would leave it */
    job_file(jobs, &ids[3], L".job", path);
    bytes = read_all(path, &len);
    write_all(path, bytes, len / 2);
    free(bytes);

    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, &report));
    assert_int_equal(report.loaded, 3);
    assert_int_equal(report.set_aside, 2);
    assert_int_equal(report.rejected + report.skipped + report.unreadable + report.tmp_removed, 0);
    assert_int_equal(s.count, 3);
    for (i = 0; i < 5; i++) {
        seen_job *j = seen_find(&s, &ids[i]);

        if (i == 1 || i == 3) {
            assert_null(j);
            continue;
        }
        assert_non_null(j);
        expect_same_rec(&rec[i], &j->rec);
    }
    /* the two set aside: named in the report, renamed on disk, in the log */
    log = read_all(tu_path(path, MAX_PATH, L"corrupt\\host.log"), &log_len);
    for (k = 0; k < 2; k++) {
        const GUID *bad = &ids[k == 0 ? 1 : 3];
        const bitsdo_store_bad *entry = NULL;
        char name8[64];

        StringFromGUID2(bad, name, 64);
        for (i = 0; i < report.set_aside; i++)
            if (!wcsncmp(report.bad[i].name, name, 38))
                entry = &report.bad[i];
        assert_non_null(entry);
        assert_non_null(entry->renamed);
        assert_true(!wcsncmp(entry->renamed, name, 38));
        assert_true(!wcsncmp(entry->renamed + 38, L".bad-", 5));
        assert_int_equal(wcslen(entry->renamed), 38 + 5 + 14);
        assert_string_equal(entry->reason, k == 0 ? "CRC mismatch" : "length mismatch (torn write)");
        swprintf(path, MAX_PATH, L"%ls\\%ls", jobs, entry->renamed);
        assert_true(tu_exists(path));
        job_file(jobs, bad, L".job", path);
        assert_false(tu_exists(path));
        WideCharToMultiByte(CP_UTF8, 0, entry->renamed, -1, name8, sizeof(name8), NULL, NULL);
        assert_true(contains(log, log_len, name8, strlen(name8)));
        print_message("set aside: %s (%s)\n", name8, entry->reason);
    }
    free(log);
    assert_int_equal(count_files(jobs, L"*.bad-*"), 2);
    bitsdo_store_report_free(&report);
    seen_free(&s);

    /* loading again: the three, and the .bad files stay as they are */
    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, &report));
    assert_int_equal(report.loaded, 3);
    assert_int_equal(report.set_aside, 0);
    assert_int_equal(count_files(jobs, L"*.bad-*"), 2);
    bitsdo_store_report_free(&report);
    seen_free(&s);
    for (i = 0; i < 5; i++)
        bitsdo_job_rec_free(&rec[i]);
    bitsdo_store_close(store);
}

static void test_foreign_files(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH], path[MAX_PATH];
    bitsdo_store_report report;
    bitsdo_store *store;
    bitsdo_job_rec rec;
    seen s = {0};
    uint8_t *bytes;
    size_t len;
    GUID id, other;

    (void)state;
    test_root("foreign", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    make_guid(&id, 1);
    make_guid(&other, 2);
    make_typical_rec(&rec, &id);
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &rec, NULL, 0, NULL, 0));
    /* a good record under a name that is not a GUID, and under another job's name */
    job_file(jobs, &id, L".job", path);
    bytes = read_all(path, &len);
    swprintf(path, MAX_PATH, L"%ls\\not-a-guid.job", jobs);
    write_all(path, bytes, len);
    job_file(jobs, &other, L".job", path);
    write_all(path, bytes, len);
    free(bytes);
    /* an empty file, and a file that only looks like a record */
    make_guid(&other, 3);
    job_file(jobs, &other, L".job", path);
    write_all(path, "", 0);
    make_guid(&other, 4);
    job_file(jobs, &other, L".job", path);
    write_all(path, "BDST\x02\x00\x00\x00 a later major version...", 32);

    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, &report));
    assert_int_equal(report.loaded, 1);
    assert_int_equal(report.set_aside, 4);
    assert_int_equal(s.count, 1);
    assert_true(IsEqualGUID(&s.jobs[0].id, &id));
    assert_int_equal(count_files(jobs, L"*.job"), 1);
    assert_int_equal(count_files(jobs, L"*.bad-*"), 4);
    bitsdo_store_report_free(&report);
    seen_free(&s);
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);
}

static void test_crash_mid_write(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH], tmp[MAX_PATH], final[MAX_PATH];
    bitsdo_store_report report;
    bitsdo_job_rec v1, v2;
    bitsdo_store *store;
    seen s = {0};
    uint8_t *bytes;
    size_t v2_len;
    LONGLONG cuts[5];
    unsigned c;
    GUID id;

    (void)state;
    test_root("crash", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    make_guid(&id, 7);
    make_full_rec(&v1, &id);
    make_full_rec(&v2, &id);
    v2.state = BITSDO_STATE_SUSPENDED;
    set_str(&v2.display_name, L"version two, never committed");
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &v1, NULL, 0, NULL, 0));
    tmp_file(jobs, &id, tmp);
    job_file(jobs, &id, L".job", final);
    /* what a put of v2 would write: the frame around its job record */
    assert_int_equal(bitsdo_job_rec_write(&v2, &bytes, &v2_len), BITSDO_S_OK);
    free(bytes);
    v2_len += BITSDO_STOREREC_HEADER_SIZE + BITSDO_STOREREC_SECTION_HEADER_SIZE;

    cuts[0] = 0;
    cuts[1] = 10;
    cuts[2] = (LONGLONG)v2_len / 2;
    cuts[3] = (LONGLONG)v2_len - 1;
    cuts[4] = (LONGLONG)v2_len + 100; /* every byte written, then no flush and no move */
    for (c = 0; c < 5; c++) {
        bitsdo_store_test_crash_after(store, cuts[c]);
        assert_hr(E_ABORT, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &v2, NULL, 0, NULL, 0));
        assert_true(tu_exists(tmp));
        assert_int_equal(tu_file_size(tmp), cuts[c] < (LONGLONG)v2_len ? (UINT64)cuts[c] : v2_len);
        /* the previous version is what is there */
        assert_hr(S_OK, bitsdo_store_get(store, &id, collect, &s));
        assert_int_equal(s.count, 1);
        expect_same_rec(&v1, &s.jobs[0].rec);
        seen_free(&s);
        /* a restart: the .tmp goes, v1 loads */
        assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, &report));
        assert_int_equal(report.tmp_removed, 1);
        assert_int_equal(report.loaded, 1);
        assert_int_equal(report.set_aside, 0);
        assert_false(tu_exists(tmp));
        expect_same_rec(&v1, &s.jobs[0].rec);
        bitsdo_store_report_free(&report);
        seen_free(&s);
    }
    /* the seam was one shot each time: the next put commits */
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &v2, NULL, 0, NULL, 0));
    assert_hr(S_OK, bitsdo_store_get(store, &id, collect, &s));
    expect_same_rec(&v2, &s.jobs[0].rec);
    seen_free(&s);
    bitsdo_job_rec_free(&v1);
    bitsdo_job_rec_free(&v2);
    bitsdo_store_close(store);
}

static void test_leftover_tmp(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH], path[MAX_PATH];
    bitsdo_store_report report;
    bitsdo_store *store;
    bitsdo_job_rec rec;
    seen s = {0};
    uint8_t *log;
    size_t log_len;
    GUID id, orphan;

    (void)state;
    test_root("leftover", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    make_guid(&id, 1);
    make_guid(&orphan, 2);
    make_typical_rec(&rec, &id);
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &rec, NULL, 0, NULL, 0));
    /* a .tmp of a committed record, and one of a job never committed, in
     * the tmp folder; and the same beside the records, where versions
     * before that folder wrote them */
    tmp_file(jobs, &id, path);
    write_all(path, "BDST garbage", 12);
    tmp_file(jobs, &orphan, path);
    write_all(path, "BDST", 4);
    job_file(jobs, &id, L".tmp", path);
    write_all(path, "BDST garbage", 12);
    job_file(jobs, &orphan, L".tmp", path);
    write_all(path, "BDST", 4);
    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, &report));
    assert_int_equal(report.tmp_removed, 4);
    assert_int_equal(report.loaded, 1);
    assert_int_equal(report.set_aside, 0);
    assert_int_equal(s.count, 1);
    assert_true(IsEqualGUID(&s.jobs[0].id, &id));
    expect_same_rec(&rec, &s.jobs[0].rec);
    assert_int_equal(count_files(jobs, L"*.tmp"), 0);
    assert_int_equal(count_files(jobs, L"tmp\\*.tmp"), 0);
    log = read_all(tu_path(path, MAX_PATH, L"leftover\\host.log"), &log_len);
    assert_true(contains(log, log_len, "uncommitted", 11));
    free(log);
    bitsdo_store_report_free(&report);
    seen_free(&s);
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);
}

static void test_dpapi(void **state)
{
    static const WCHAR password[] = L"Pa55-w0rd.secret\x00e9\x4e2d";
    WCHAR root[MAX_PATH], jobs[MAX_PATH], path[MAX_PATH];
    size_t secret_len = sizeof(password) - sizeof(WCHAR), blob_len, back_len, file_len;
    char utf8[64];
    int utf8_len;
    uint8_t *blob, *back, *file;
    bitsdo_store *store;
    bitsdo_job_rec rec;
    seen s = {0};
    GUID id;

    (void)state;
    utf8_len = WideCharToMultiByte(CP_UTF8, 0, password, -1, utf8, sizeof(utf8), NULL, NULL) - 1;
    assert_true(utf8_len > 0);
    assert_hr(S_OK, bitsdo_store_protect(password, secret_len, &blob, &blob_len));
    assert_true(blob_len > 0);
    assert_false(contains(blob, blob_len, password, secret_len));
    assert_false(contains(blob, blob_len, utf8, (size_t)utf8_len));

    test_root("dpapi", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    make_guid(&id, 1);
    make_typical_rec(&rec, &id);
    assert_hr(
        S_OK,
        bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &rec, NULL, 0, blob, (uint32_t)blob_len));
    /* the file holds the blob, not the password (neither UTF-16 nor UTF-8) */
    job_file(jobs, &id, L".job", path);
    file = read_all(path, &file_len);
    assert_true(contains(file, file_len, blob, blob_len));
    assert_false(contains(file, file_len, password, secret_len));
    assert_false(contains(file, file_len, utf8, (size_t)utf8_len));
    assert_false(contains(file, file_len, password, 8 * sizeof(WCHAR))); /* not even a prefix */
    free(file);

    /* loaded back and unprotected: the password again */
    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, NULL));
    assert_int_equal(s.count, 1);
    assert_int_equal(s.jobs[0].creds_len, blob_len);
    assert_hr(S_OK, bitsdo_store_unprotect(s.jobs[0].creds, s.jobs[0].creds_len, &back, &back_len));
    assert_int_equal(back_len, secret_len);
    assert_memory_equal(back, password, secret_len);
    bitsdo_store_free_secret(back, back_len);
    /* a damaged blob does not unprotect (its end is the integrity check:
     * Wine's blob leaves some header fields unchecked, so not any byte) */
    s.jobs[0].creds[s.jobs[0].creds_len - 1] ^= 0x55;
    back = (uint8_t *)1;
    assert_true(FAILED(bitsdo_store_unprotect(s.jobs[0].creds, s.jobs[0].creds_len, &back, &back_len)));
    assert_null(back);
    assert_hr(E_POINTER, bitsdo_store_protect(password, secret_len, NULL, &blob_len));
    seen_free(&s);
    free(blob);
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);
}

static void test_delete(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH], path[MAX_PATH];
    bitsdo_store_report report;
    bitsdo_store *store;
    bitsdo_job_rec rec;
    seen s = {0};
    GUID id, keep;

    (void)state;
    test_root("delete", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    make_guid(&id, 1);
    make_guid(&keep, 2);
    make_typical_rec(&rec, &id);
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &rec, NULL, 0, NULL, 0));
    memcpy(rec.id, &keep, 16);
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_QM_GROUP, &rec, NULL, 0, NULL, 0));
    assert_hr(S_OK, bitsdo_store_delete(store, &id));
    job_file(jobs, &id, L".job", path);
    assert_false(tu_exists(path));
    assert_hr(S_FALSE, bitsdo_store_delete(store, &id));
    assert_hr(E_INVALIDARG, bitsdo_store_delete(store, NULL));
    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, &report));
    assert_int_equal(report.loaded, 1);
    assert_int_equal(s.count, 1);
    assert_true(IsEqualGUID(&s.jobs[0].id, &keep));
    assert_int_equal(s.jobs[0].kind, BITSDO_STORE_KIND_QM_GROUP);
    bitsdo_store_report_free(&report);
    seen_free(&s);
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);
}

static void test_default_folder(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH], old[MAX_PATH];
    bitsdo_store *store;
    DWORD had;

    (void)state;
    test_root("env", root, jobs);
    had = GetEnvironmentVariableW(L"BITSDO_STORE_DIR", old, MAX_PATH);
    SetEnvironmentVariableW(L"BITSDO_STORE_DIR", jobs);
    assert_hr(S_OK, bitsdo_store_open(NULL, &store));
    assert_wstr_equal(bitsdo_store_dir(store), jobs);
    assert_true(tu_exists(jobs));
    bitsdo_store_close(store);
    SetEnvironmentVariableW(L"BITSDO_STORE_DIR", NULL);
    /* %LOCALAPPDATA%\bitsdo\jobs (only opened: nothing is written there) */
    assert_hr(S_OK, bitsdo_store_open(NULL, &store));
    {
        const WCHAR *dir = bitsdo_store_dir(store);
        size_t n = wcslen(dir);

        assert_true(n > 12 && !_wcsicmp(dir + n - 12, L"\\bitsdo\\jobs"));
        print_message("default store folder: %ls\n", dir);
    }
    bitsdo_store_close(store);
    if (had)
        SetEnvironmentVariableW(L"BITSDO_STORE_DIR", old);
}

/* Several threads put at once, some on the same job: every put succeeds
 * and every record loads. */
#define THREADS 4
#define PUTS    40
typedef struct thread_ctx {
    bitsdo_store *store;
    unsigned n;
    LONG failures;
} thread_ctx;

/* The three families side by side: a BITS job, a DO download and a BITS
 * 1.0 group, the last two with their facade record (facaderec.h), each
 * loads with its kind and its facade intact; a record of a kind this
 * version does not know is left in place, counted as skipped. */
static void test_facade_kinds(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH], path[MAX_PATH];
    bitsdo_facade_rec facade[2], back;
    bitsdo_store_section sections[2];
    bitsdo_store_report report;
    bitsdo_job_rec recs[4];
    bitsdo_store *store;
    uint8_t *job_bytes, *extra;
    size_t job_len, extra_len;
    uint32_t hints[2] = {4096, 0};
    GUID ids[4];
    seen *s = calloc(1, sizeof(*s));
    seen_job *j;
    unsigned i;

    (void)state;
    assert_non_null(s);
    test_root("facade_kinds", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    for (i = 0; i < 4; i++) {
        make_guid(&ids[i], 300 + i);
        make_typical_rec(&recs[i], &ids[i]);
    }
    bitsdo_facade_rec_init(&facade[0], BITSDO_FACADEREC_DO_DOWNLOAD);
    facade[0].dl.non_volatile = 1;
    set_str(&facade[0].dl.uri, L"https://download.example.com/a.bin");
    set_str(&facade[0].dl.local_path, L"C:\\dl\\a.bin");
    facade[0].dl.callback_freq_percent = 5;
    facade[0].dl.total_size_set = 1;
    facade[0].dl.total_size = 52428800;
    facade[0].dl.started = 1;
    bitsdo_facade_rec_init(&facade[1], BITSDO_FACADEREC_QM_GROUP);
    facade[1].qm.has_job = 1;
    memcpy(facade[1].qm.job_id, &ids[3], 16);
    facade[1].qm.notify_flags = 0x10;
    facade[1].qm.protocol = 1;
    facade[1].qm.progress_percent = 25;
    facade[1].qm.hint_count = 1;
    facade[1].qm.size_hints = hints;

    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &recs[0], NULL, 0, NULL, 0));
    for (i = 0; i < 2; i++) {
        assert_int_equal(bitsdo_facade_rec_write(&facade[i], &extra, &extra_len), BITSDO_S_OK);
        assert_hr(S_OK, bitsdo_store_put_job(store, i ? BITSDO_STORE_KIND_QM_GROUP : BITSDO_STORE_KIND_DO_DOWNLOAD,
                                             &recs[1 + i], extra, (uint32_t)extra_len, NULL, 0));
        free(extra);
    }
    /* A kind from a later version (4), framed as this version frames. */
    assert_int_equal(bitsdo_job_rec_write(&recs[3], &job_bytes, &job_len), BITSDO_S_OK);
    sections[0] = (bitsdo_store_section){BITSDO_STORE_SECTION_JOB, job_bytes, (uint32_t)job_len};
    assert_hr(S_OK, bitsdo_store_put(store, &ids[3], 4, sections, 1));
    free(job_bytes);

    assert_hr(S_OK, bitsdo_store_load_all(store, collect, s, &report));
    assert_int_equal(report.loaded, 3);
    assert_int_equal(report.skipped, 1);
    assert_int_equal(report.set_aside + report.rejected + report.unreadable, 0);
    assert_non_null(j = seen_find(s, &ids[0]));
    assert_int_equal(j->kind, BITSDO_STORE_KIND_BITS_JOB);
    assert_int_equal(j->extras_len, 0);
    expect_same_rec(&j->rec, &recs[0]);
    for (i = 0; i < 2; i++) {
        assert_non_null(j = seen_find(s, &ids[1 + i]));
        assert_int_equal(j->kind, i ? BITSDO_STORE_KIND_QM_GROUP : BITSDO_STORE_KIND_DO_DOWNLOAD);
        expect_same_rec(&j->rec, &recs[1 + i]);
        bitsdo_facade_rec_init(&back, 0);
        assert_int_equal(bitsdo_facade_rec_read(j->extras, j->extras_len, &back), BITSDO_S_OK);
        assert_int_equal(back.kind, facade[i].kind);
        /* Same bytes again: every field equal. */
        assert_int_equal(bitsdo_facade_rec_write(&back, &extra, &extra_len), BITSDO_S_OK);
        assert_int_equal(extra_len, j->extras_len);
        assert_memory_equal(extra, j->extras, extra_len);
        free(extra);
        bitsdo_facade_rec_free(&back);
    }
    assert_null(seen_find(s, &ids[3]));
    job_file(jobs, &ids[3], L".job", path);
    assert_true(tu_exists(path)); /* left for the version that knows it */
    /* get reads a facade kind the same way. */
    seen_free(s);
    assert_hr(S_OK, bitsdo_store_get(store, &ids[1], collect, s));
    assert_int_equal(s->count, 1);
    assert_int_equal(s->jobs[0].kind, BITSDO_STORE_KIND_DO_DOWNLOAD);

    bitsdo_store_report_free(&report);
    seen_free(s);
    free(s);
    facade[1].qm.size_hints = NULL;
    facade[1].qm.hint_count = 0;
    for (i = 0; i < 2; i++)
        bitsdo_facade_rec_free(&facade[i]);
    for (i = 0; i < 4; i++)
        bitsdo_job_rec_free(&recs[i]);
    bitsdo_store_close(store);
}

static DWORD WINAPI put_thread(void *arg)
{
    thread_ctx *t = arg;
    bitsdo_job_rec rec;
    unsigned i;
    GUID id;

    for (i = 0; i < PUTS; i++) {
        make_guid(&id, i % 2 ? 100 : 200 + t->n); /* job 100 is shared */
        make_typical_rec(&rec, &id);
        rec.error_count = i;
        if (FAILED(bitsdo_store_put_job(t->store, BITSDO_STORE_KIND_BITS_JOB, &rec, NULL, 0, NULL, 0)))
            InterlockedIncrement(&t->failures);
        bitsdo_job_rec_free(&rec);
    }
    return 0;
}

static void test_threads(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH];
    thread_ctx ctx[THREADS];
    HANDLE threads[THREADS];
    bitsdo_store_report report;
    bitsdo_store *store;
    seen s = {0};
    unsigned i;

    (void)state;
    test_root("threads", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    for (i = 0; i < THREADS; i++) {
        ctx[i].store = store;
        ctx[i].n = i;
        ctx[i].failures = 0;
        threads[i] = CreateThread(NULL, 0, put_thread, &ctx[i], 0, NULL);
        assert_non_null(threads[i]);
    }
    assert_int_equal(WaitForMultipleObjects(THREADS, threads, TRUE, TU_WAIT_MS), WAIT_OBJECT_0);
    for (i = 0; i < THREADS; i++) {
        CloseHandle(threads[i]);
        assert_int_equal(ctx[i].failures, 0);
    }
    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, &report));
    assert_int_equal(report.loaded, THREADS + 1);
    assert_int_equal(report.set_aside + report.tmp_removed, 0);
    bitsdo_store_report_free(&report);
    seen_free(&s);
    bitsdo_store_close(store);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The cost of one put of a typical job, and its size (printed). */
static void test_performance(void **state)
{
    WCHAR root[MAX_PATH], jobs[MAX_PATH], path[MAX_PATH];
    double times[200], load_t0, load_t;
    bitsdo_store *store;
    bitsdo_job_rec rec;
    seen s = {0};
    unsigned i;
    GUID id;

    (void)state;
    test_root("performance", root, jobs);
    assert_hr(S_OK, bitsdo_store_open(jobs, &store));
    make_guid(&id, 1);
    make_typical_rec(&rec, &id);
    for (i = 0; i < 200; i++) {
        double t0 = tu_seconds();

        assert_true(bitsdo_counters_add_bytes(&rec.counters, &rec.files[0]->counters, 65536));
        assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &rec, NULL, 0, NULL, 0));
        times[i] = tu_seconds() - t0;
    }
    qsort(times, 200, sizeof(times[0]), cmp_double);
    job_file(jobs, &id, L".job", path);
    load_t0 = tu_seconds();
    assert_hr(S_OK, bitsdo_store_load_all(store, collect, &s, NULL));
    load_t = tu_seconds() - load_t0;
    print_message("store: typical job record %llu bytes; put median %.1f us (p10 %.1f, p90 %.1f, max %.1f); "
                  "load_all of 1 record %.1f us\n",
                  (unsigned long long)tu_file_size(path),
                  times[100] * 1e6,
                  times[20] * 1e6,
                  times[180] * 1e6,
                  times[199] * 1e6,
                  load_t * 1e6);
    /* For comparison, the same file dance without any flush: what the
     * durability costs here. */
    {
        WCHAR tmp[MAX_PATH];
        uint8_t *bytes;
        size_t len;

        bytes = read_all(path, &len);
        job_file(jobs, &id, L".cmp", tmp);
        for (i = 0; i < 200; i++) {
            double t0 = tu_seconds();
            HANDLE h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
            DWORD written;

            assert_true(h != INVALID_HANDLE_VALUE);
            assert_true(WriteFile(h, bytes, (DWORD)len, &written, NULL));
            CloseHandle(h);
            assert_true(MoveFileExW(tmp, path, MOVEFILE_REPLACE_EXISTING));
            times[i] = tu_seconds() - t0;
        }
        qsort(times, 200, sizeof(times[0]), cmp_double);
        print_message(
            "store: the same write and move without FlushFileBuffers/WRITE_THROUGH: median %.1f us\n",
            times[100] * 1e6);
        free(bytes);
    }
    seen_free(&s);
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_put_bad_arguments),
        cmocka_unit_test(test_corrupt_and_truncated),
        cmocka_unit_test(test_foreign_files),
        cmocka_unit_test(test_crash_mid_write),
        cmocka_unit_test(test_leftover_tmp),
        cmocka_unit_test(test_dpapi),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_default_folder),
        cmocka_unit_test(test_facade_kinds),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_performance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
