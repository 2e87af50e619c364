/* The per-user host keeps DO downloads marked NonVolatile and BITS 1.0
 * groups in its store (docs/hosting.md, "What is kept"): made in this
 * process, they are found after the host stopped (and, in the second test,
 * after it was killed hard) by another process, with every property as it
 * was set, and they finish there with byte-exact files. A volatile DO
 * download (DO's default) is gone after the restart, and so are its
 * partial files.
 *
 * Also measured (printed): the size of each family's record in the store
 * and the cost of one crash-safe put.
 *
 * The test program is its own second process: "child check DIR DO VOLATILE
 * GROUP JOB" does the checks and reports through its exit code (which check
 * failed). The child never calls tu_dir (it would empty the folder).
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"
#include "http_util.h"
#include "host_util.h"
#include "facaderec.h"
#include "store.h"

#include <shellapi.h>
#include <shlobj.h>
#include <stdlib.h>

#define DO_SIZE (4u * 1024u * 1024u) /* about 4 s at /slow/'s 1 MB/s */
#define DO_SEED 41
#define QM_SIZE (300u * 1024u)
#define QM_SEED 42
#define QM_HINT 12345
#define NOTIFY_CLSID L"{0B8C2B2E-6C3B-4D3A-9F1E-2A7D5C4B3A21}"
#define WAIT_MS 60000

static WCHAR self_path[MAX_PATH];

/* --- what both processes know: the properties set, and where ------------- */

static void do_paths(const WCHAR *dir, WCHAR *local, WCHAR *vol_dir, WCHAR *vol_local)
{
    swprintf(local, MAX_PATH, L"%ls\\do\\kept.bin", dir);
    swprintf(vol_dir, MAX_PATH, L"%ls\\volatile", dir);
    swprintf(vol_local, MAX_PATH, L"%ls\\volatile\\gone.bin", dir);
}

static void qm_local(const WCHAR *dir, WCHAR *local)
{
    swprintf(local, MAX_PATH, L"%ls\\qm-kept.bin", dir);
}

static void do_url(WCHAR *url, const WCHAR *name)
{
    swprintf(url, MAX_PATH, L"http://127.0.0.1:%u/slow/%ls", ht.nginx_http, name);
}

static void qm_url(WCHAR *url)
{
    swprintf(url, MAX_PATH, L"http://127.0.0.1:%u/persist-qm.bin", ht.nginx_http);
}

/* --- small COM helpers --------------------------------------------------- */

static HRESULT set_ui8(IDODownload *d, DODownloadProperty id, UINT64 n)
{
    VARIANT v;

    V_VT(&v) = VT_UI8;
    V_UI8(&v) = n;
    return IDODownload_SetProperty(d, id, &v);
}

static BOOL is_bstr(IDODownload *d, DODownloadProperty id, const WCHAR *want)
{
    VARIANT v;
    BOOL ok;

    if (FAILED(IDODownload_GetProperty(d, id, &v)))
        return FALSE;
    ok = V_VT(&v) == VT_BSTR && V_BSTR(&v) && !wcscmp(V_BSTR(&v), want);
    VariantClear(&v);
    return ok;
}

static BOOL is_num(IDODownload *d, DODownloadProperty id, VARTYPE vt, UINT64 want)
{
    VARIANT v;
    BOOL ok;

    if (FAILED(IDODownload_GetProperty(d, id, &v)) || V_VT(&v) != vt)
        return FALSE;
    switch (vt) {
    case VT_UI4: ok = V_UI4(&v) == want; break;
    case VT_UI8: ok = V_UI8(&v) == want; break;
    case VT_BOOL: ok = (V_BOOL(&v) != VARIANT_FALSE) == (want != 0); break;
    default: ok = FALSE; break;
    }
    VariantClear(&v);
    return ok;
}

static HRESULT set_group(IBackgroundCopyGroup *g, GROUPPROP id, VARTYPE vt, LONG n, const WCHAR *s)
{
    VARIANT v;
    HRESULT hr;

    VariantInit(&v);
    V_VT(&v) = vt;
    if (vt == VT_BSTR)
        V_BSTR(&v) = SysAllocString(s);
    else
        V_I4(&v) = n;
    hr = IBackgroundCopyGroup_SetProp(g, id, &v);
    VariantClear(&v);
    return hr;
}

static BOOL group_is(IBackgroundCopyGroup *g, GROUPPROP id, LONG n, const WCHAR *s)
{
    VARIANT v;
    BOOL ok;

    if (FAILED(IBackgroundCopyGroup_GetProp(g, id, &v)))
        return FALSE;
    if (s)
        ok = V_VT(&v) == VT_BSTR && V_BSTR(&v) && !_wcsicmp(V_BSTR(&v), s);
    else
        ok = V_VT(&v) == VT_I4 && V_I4(&v) == n;
    VariantClear(&v);
    return ok;
}

static IDOManager *do_manager(void)
{
    IDOManager *mgr = NULL;

    CoCreateInstance(&CLSID_BitsdoDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER, &IID_IDOManager,
                     (void **)&mgr);
    return mgr;
}

static IBackgroundCopyQMgr *qm_manager(void)
{
    IBackgroundCopyQMgr *mgr = NULL;

    CoCreateInstance(&CLSID_BitsdoQMgr, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyQMgr, (void **)&mgr);
    return mgr;
}

/* The download with that Id, or NULL (*hr: EnumDownloads' answer). */
static IDODownload *find_download(IDOManager *mgr, const WCHAR *id, HRESULT *hr)
{
    DO_DOWNLOAD_ENUM_CATEGORY category = {DODownloadProperty_Id, id};
    IEnumUnknown *e = NULL;
    IUnknown *unk = NULL;
    IDODownload *d = NULL;
    ULONG got = 0;

    if (FAILED(*hr = IDOManager_EnumDownloads(mgr, &category, &e)))
        return NULL;
    if (IEnumUnknown_Next(e, 1, &unk, &got) == S_OK && got == 1) {
        IUnknown_QueryInterface(unk, &IID_IDODownload, (void **)&d);
        IUnknown_Release(unk);
    }
    IEnumUnknown_Release(e);
    return d;
}

static BOOL dir_is_empty(const WCHAR *dir)
{
    WIN32_FIND_DATAW fd;
    WCHAR pattern[MAX_PATH];
    HANDLE h;
    BOOL empty = TRUE;

    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    if ((h = FindFirstFileW(pattern, &fd)) == INVALID_HANDLE_VALUE)
        return TRUE;
    do {
        if (wcscmp(fd.cFileName, L".") && wcscmp(fd.cFileName, L".."))
            empty = FALSE;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return empty;
}

/* --- the child: everything after the restart --------------------------- */

static int child_check(const WCHAR *dir, const WCHAR *do_id, const WCHAR *vol_id, const WCHAR *group_text,
                       const WCHAR *job_text)
{
    WCHAR local[MAX_PATH], vol_dir[MAX_PATH], vol_local[MAX_PATH], url[MAX_PATH], qlocal[MAX_PATH];
    IDOManager *dom = NULL;
    IBackgroundCopyQMgr *qm = NULL;
    IDODownload *d = NULL, *vol = NULL;
    IBackgroundCopyGroup *g = NULL;
    IBackgroundCopyJob1 *job = NULL;
    IEnumBackgroundCopyGroups *groups = NULL;
    DO_DOWNLOAD_STATUS status;
    FILESETINFO info = {0};
    GUID group_id, job_id, got_id;
    ULONGLONG deadline;
    DWORD qstatus, index, count, percent;
    ULONG fetched;
    BOOL listed = FALSE;
    HRESULT hr;
    int rc = 0;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    ht_init();
    do_paths(dir, local, vol_dir, vol_local);
    qm_local(dir, qlocal);
    CLSIDFromString(group_text, &group_id);
    CLSIDFromString(job_text, &job_id);
    if (!(dom = do_manager()) || !(qm = qm_manager()))
        rc = 2;
    /* The NonVolatile download, its every property as set. */
    else if (!(d = find_download(dom, do_id, &hr)))
        rc = 3;
    else {
        do_url(url, L"persist-do.bin");
        if (!is_bstr(d, DODownloadProperty_Id, do_id) || !is_bstr(d, DODownloadProperty_Uri, url) ||
            !is_bstr(d, DODownloadProperty_LocalPath, local) ||
            !is_bstr(d, DODownloadProperty_DisplayName, L"kept download") ||
            !is_bstr(d, DODownloadProperty_HttpCustomHeaders, L"X-Persist: yes\r\n") ||
            !is_bstr(d, DODownloadProperty_CorrelationVector, L"cv.persist.1"))
            rc = 4;
        else if (!is_num(d, DODownloadProperty_NonVolatile, VT_BOOL, TRUE) ||
                 !is_num(d, DODownloadProperty_ForegroundPriority, VT_BOOL, TRUE) ||
                 !is_num(d, DODownloadProperty_BlockingMode, VT_BOOL, FALSE) ||
                 !is_num(d, DODownloadProperty_DisallowOnCellular, VT_BOOL, TRUE) ||
                 !is_num(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, VT_BOOL, TRUE) ||
                 !is_num(d, DODownloadProperty_NoProgressTimeoutSeconds, VT_UI4, 600) ||
                 !is_num(d, DODownloadProperty_CallbackFreqPercent, VT_UI4, 7) ||
                 !is_num(d, DODownloadProperty_CallbackFreqSeconds, VT_UI4, 3) ||
                 !is_num(d, DODownloadProperty_CostPolicy, VT_UI4, DODownloadCostPolicy_Always) ||
                 !is_num(d, DODownloadProperty_TotalSizeBytes, VT_UI8, DO_SIZE))
            rc = 5;
    }
    /* The volatile one is gone, and so are its partial files. */
    if (!rc) {
        vol = find_download(dom, vol_id, &hr);
        if (vol || hr != DO_E_NO_DOWNLOADS)
            rc = 6;
        else if (!dir_is_empty(vol_dir))
            rc = 7;
    }
    /* The group, its properties, its job and its file. */
    if (!rc) {
        if (FAILED(IBackgroundCopyQMgr_GetGroup(qm, group_id, &g)))
            rc = 8;
        else if (!group_is(g, GROUPPROP_DISPLAYNAME, 0, L"kept group") ||
                 !group_is(g, GROUPPROP_DESCRIPTION, 0, L"a group kept across hosts") ||
                 !group_is(g, GROUPPROP_NOTIFYFLAGS, QM_NOTIFY_DISABLE_NOTIFY, NULL) ||
                 !group_is(g, GROUPPROP_PROGRESSPERCENT, 10, NULL) ||
                 !group_is(g, GROUPPROP_PROGRESSSIZE, 4096, NULL) ||
                 !group_is(g, GROUPPROP_PROTOCOLFLAGS, QM_PROTOCOL_HTTP, NULL) ||
                 !group_is(g, GROUPPROP_NOTIFYCLSID, 0, NOTIFY_CLSID))
            rc = 9;
        else if (FAILED(IBackgroundCopyGroup_get_GroupID(g, &got_id)) || !IsEqualGUID(&got_id, &group_id) ||
                 FAILED(IBackgroundCopyGroup_GetStatus(g, &qstatus, &index)) ||
                 qstatus != (QM_STATUS_GROUP_SUSPENDED | QM_STATUS_GROUP_INCOMPLETE))
            rc = 10;
        else if (FAILED(IBackgroundCopyGroup_GetJob(g, job_id, &job)) ||
                 FAILED(IBackgroundCopyJob1_get_JobID(job, &got_id)) || !IsEqualGUID(&got_id, &job_id) ||
                 FAILED(IBackgroundCopyJob1_GetFileCount(job, &count)) || count != 1 ||
                 FAILED(IBackgroundCopyJob1_GetFile(job, 0, &info)) || info.dwSizeHint != QM_HINT ||
                 !info.bstrLocalFile || wcscmp(info.bstrLocalFile, qlocal))
            rc = 11;
        else if (FAILED(IBackgroundCopyQMgr_EnumGroups(qm, 0, &groups)))
            rc = 12;
        else {
            while (IEnumBackgroundCopyGroups_Next(groups, 1, &got_id, &fetched) == S_OK)
                listed |= IsEqualGUID(&got_id, &group_id);
            if (!listed)
                rc = 13;
        }
    }
    /* Both finish here. */
    if (!rc && FAILED(IBackgroundCopyGroup_ResumeGroup(g)))
        rc = 14;
    if (!rc && FAILED(IDODownload_Start(d, NULL)))
        rc = 15;
    deadline = GetTickCount64() + WAIT_MS;
    while (!rc && GetTickCount64() < deadline) {
        if (FAILED(IDODownload_GetStatus(d, &status)) || FAILED(IBackgroundCopyGroup_GetStatus(g, &qstatus, &index)))
            rc = 16;
        else if (status.State == DODownloadState_Transferred && (qstatus & QM_STATUS_GROUP_COMPLETE))
            break;
        else
            WaitForSingleObject(GetCurrentProcess(), 20); /* bounded poll of another process */
    }
    if (!rc && (status.State != DODownloadState_Transferred || !(qstatus & QM_STATUS_GROUP_COMPLETE)))
        rc = 17;
    if (!rc && (FAILED(IBackgroundCopyGroup_GetProgress(g, QM_PROGRESS_PERCENT_DONE, &percent)) || percent != 100))
        rc = 18;
    if (!rc && FAILED(IDODownload_Finalize(d)))
        rc = 19;
    if (!rc && FAILED(IBackgroundCopyGroup_CancelGroup(g)))
        rc = 20;
    if (!rc && (!tu_check_pattern(local, DO_SIZE, DO_SEED) || !tu_check_pattern(qlocal, QM_SIZE, QM_SEED)))
        rc = 21;
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    if (groups)
        IEnumBackgroundCopyGroups_Release(groups);
    if (job)
        IBackgroundCopyJob1_Release(job);
    if (g)
        IBackgroundCopyGroup_Release(g);
    if (d)
        IDODownload_Release(d);
    if (qm)
        IBackgroundCopyQMgr_Release(qm);
    if (dom)
        IDOManager_Release(dom);
    CoUninitialize();
    return rc;
}

/* --- this process: making them ----------------------------------------- */

static WCHAR *store_path(WCHAR *out, const GUID *id)
{
    WCHAR base[MAX_PATH], guid[40];

    assert_hr(S_OK, SHGetFolderPathW(NULL, CSIDL_LOCAL_APPDATA, NULL, SHGFP_TYPE_CURRENT, base));
    if (id) {
        StringFromGUID2(id, guid, ARRAYSIZE(guid));
        swprintf(out, MAX_PATH, L"%ls\\bitsdo\\jobs\\%ls.job", base, guid);
    } else {
        swprintf(out, MAX_PATH, L"%ls\\bitsdo\\jobs", base);
    }
    return out;
}

/* What a stored record holds, read through the store itself. */
typedef struct seen {
    uint32_t kind, files, hints, facade;
    uint64_t bytes;
    BOOL temp;
} seen;

static HRESULT seen_cb(void *ctx, const GUID *id, uint32_t kind, bitsdo_job_rec *rec,
                       const bitsdo_store_section *sections, uint32_t n)
{
    seen *s = ctx;
    bitsdo_facade_rec f;
    uint32_t i;

    (void)id;
    s->kind = kind;
    s->files = rec->file_count;
    s->bytes = bitsdo__load64(&rec->counters.bytes_transferred);
    for (i = 0; i < rec->file_count; i++)
        s->temp |= rec->files[i]->temp_name != NULL;
    bitsdo_facade_rec_init(&f, 0);
    for (i = 0; i < n; i++) {
        if (sections[i].id == BITSDO_STORE_SECTION_FACADE &&
            bitsdo_facade_rec_read(sections[i].data, sections[i].len, &f) == S_OK) {
            s->facade = f.kind;
            s->hints = f.qm.hint_count;
        }
    }
    bitsdo_facade_rec_free(&f);
    return S_OK;
}

static BOOL read_record(const GUID *id, seen *s)
{
    WCHAR dir[MAX_PATH];
    bitsdo_store *store;
    HRESULT hr;

    memset(s, 0, sizeof(*s));
    if (FAILED(bitsdo_store_open(store_path(dir, NULL), &store)))
        return FALSE;
    hr = bitsdo_store_get(store, id, seen_cb, s);
    bitsdo_store_close(store);
    return hr == S_OK;
}

typedef struct wanted {
    GUID do_id, vol_id, group_id;
} wanted;

/* Every change made so far is on disk (for the hard kill: nothing is
 * written after it). */
static BOOL all_written(void *ctx)
{
    wanted *w = ctx;
    seen s;

    return read_record(&w->do_id, &s) && s.facade == BITSDO_FACADEREC_DO_DOWNLOAD && s.bytes > 0 &&
           read_record(&w->vol_id, &s) && s.temp &&
           read_record(&w->group_id, &s) && s.facade == BITSDO_FACADEREC_QM_GROUP && s.files == 1 && s.hints == 1;
}

static BOOL record_gone(void *ctx)
{
    WCHAR path[MAX_PATH];

    return !tu_exists(store_path(path, ctx));
}

static BOOL has_bytes(void *ctx)
{
    DO_DOWNLOAD_STATUS status;

    return SUCCEEDED(IDODownload_GetStatus((IDODownload *)ctx, &status)) && status.BytesTransferred > 0;
}

static LONGLONG file_size(const WCHAR *path)
{
    WIN32_FILE_ATTRIBUTE_DATA a;

    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &a))
        return -1;
    return ((LONGLONG)a.nFileSizeHigh << 32) | a.nFileSizeLow;
}

static void make_and_restart(BOOL kill)
{
    WCHAR local[MAX_PATH], vol_dir[MAX_PATH], vol_local[MAX_PATH], url[MAX_PATH], qlocal[MAX_PATH];
    WCHAR src[MAX_PATH], do_text[40], vol_text[40], group_text[40], job_text[40], args[1024], dir[MAX_PATH];
    WCHAR path[MAX_PATH];
    IDOManager *dom;
    IBackgroundCopyQMgr *qm;
    IDODownload *d, *vol;
    IBackgroundCopyGroup *g;
    IBackgroundCopyJob1 *job;
    FILESETINFO info, *infos[1] = {&info};
    VARIANT v;
    wanted w;
    GUID job_id;
    DWORD rc;

    if (!ht_init())
        skip();
    tu_path(dir, MAX_PATH, L"%ls", kill ? L"killed" : L"stopped");
    tu_mkdirs(dir);
    do_paths(dir, local, vol_dir, vol_local);
    qm_local(dir, qlocal);
    tu_mkdirs(vol_dir);
    ht_make(src, MAX_PATH, L"persist-do.bin", DO_SIZE, DO_SEED);
    ht_make(src, MAX_PATH, L"persist-qm.bin", QM_SIZE, QM_SEED);

    /* A NonVolatile download with every settable property, running. */
    assert_non_null(dom = do_manager());
    assert_hr(S_OK, IDOManager_CreateDownload(dom, &d));
    do_url(url, L"persist-do.bin");
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_DisplayName, L"kept download"));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_HttpCustomHeaders, L"X-Persist: yes\r\n"));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_CorrelationVector, L"cv.persist.1"));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_ForegroundPriority, TRUE));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_DisallowOnCellular, TRUE));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, TRUE));
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_NoProgressTimeoutSeconds, 600));
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_CallbackFreqPercent, 7));
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_CallbackFreqSeconds, 3));
    assert_hr(S_OK, set_ui8(d, DODownloadProperty_TotalSizeBytes, DO_SIZE));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_NonVolatile, TRUE));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_Id, &v));
    wcscpy(do_text, V_BSTR(&v));
    CLSIDFromString(do_text, &w.do_id);
    VariantClear(&v);

    /* A volatile one (the default), running too. */
    assert_hr(S_OK, IDOManager_CreateDownload(dom, &vol));
    assert_hr(S_OK, tu_do_set_bstr(vol, DODownloadProperty_Uri, url));
    assert_hr(S_OK, tu_do_set_bstr(vol, DODownloadProperty_LocalPath, vol_local));
    assert_hr(S_OK, IDODownload_Start(vol, NULL));
    assert_hr(S_OK, IDODownload_GetProperty(vol, DODownloadProperty_Id, &v));
    wcscpy(vol_text, V_BSTR(&v));
    CLSIDFromString(vol_text, &w.vol_id);
    VariantClear(&v);

    /* A BITS 1.0 group with its job and a file, suspended. */
    assert_non_null(qm = qm_manager());
    assert_hr(S_OK, CoCreateGuid(&w.group_id));
    assert_hr(S_OK, CoCreateGuid(&job_id));
    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(qm, w.group_id, &g));
    assert_hr(S_OK, set_group(g, GROUPPROP_DISPLAYNAME, VT_BSTR, 0, L"kept group"));
    assert_hr(S_OK, set_group(g, GROUPPROP_DESCRIPTION, VT_BSTR, 0, L"a group kept across hosts"));
    assert_hr(S_OK, set_group(g, GROUPPROP_NOTIFYFLAGS, VT_I4, QM_NOTIFY_DISABLE_NOTIFY, NULL));
    assert_hr(S_OK, set_group(g, GROUPPROP_PROGRESSPERCENT, VT_I4, 10, NULL));
    assert_hr(S_OK, set_group(g, GROUPPROP_PROGRESSSIZE, VT_I4, 4096, NULL));
    assert_hr(S_OK, set_group(g, GROUPPROP_NOTIFYCLSID, VT_BSTR, 0, NOTIFY_CLSID));
    assert_hr(S_OK, IBackgroundCopyGroup_CreateJob(g, job_id, &job));
    qm_url(url);
    info.bstrRemoteFile = SysAllocString(url);
    info.bstrLocalFile = SysAllocString(qlocal);
    info.dwSizeHint = QM_HINT;
    assert_hr(S_OK, IBackgroundCopyJob1_AddFiles(job, 1, infos));
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);

    assert_true(tu_wait_until(has_bytes, d, WAIT_MS));
    assert_true(tu_wait_until(has_bytes, vol, WAIT_MS));
    assert_true(tu_wait_until(all_written, &w, 10000));
    print_message("record sizes: DO %lld B, BITS 1.0 group %lld B\n",
                  file_size(store_path(path, &w.do_id)), file_size(store_path(path, &w.group_id)));

    IBackgroundCopyJob1_Release(job);
    IBackgroundCopyGroup_Release(g);
    IBackgroundCopyQMgr_Release(qm);
    IDODownload_Release(vol);
    IDODownload_Release(d);
    IDOManager_Release(dom);
    if (kill) {
        hu_kill_host(hu_host_process(NULL));
    } else {
        assert_int_equal(0, hu_stop_host());
    }

    StringFromGUID2(&w.group_id, group_text, ARRAYSIZE(group_text));
    StringFromGUID2(&job_id, job_text, ARRAYSIZE(job_text));
    swprintf(args, ARRAYSIZE(args), L"child check \"%ls\" %ls %ls %ls %ls", dir, do_text, vol_text, group_text,
             job_text);
    rc = hu_run(self_path, args);
    assert_int_equal(0, rc);
    assert_true(tu_check_pattern(local, DO_SIZE, DO_SEED));
    assert_true(tu_check_pattern(qlocal, QM_SIZE, QM_SEED));
    assert_true(dir_is_empty(vol_dir));
    /* Finalize and CancelGroup removed their records (the host's writer
     * does it, soon); the volatile one went at the host's start. */
    assert_true(tu_wait_until(record_gone, &w.do_id, 10000));
    assert_true(tu_wait_until(record_gone, &w.group_id, 10000));
    assert_false(tu_exists(store_path(path, &w.vol_id)));
}

static void test_kept_across_stop(void **state)
{
    (void)state;
    make_and_restart(FALSE);
}

static void test_kept_across_kill(void **state)
{
    (void)state;
    make_and_restart(TRUE);
}

/* The cost of one crash-safe put (write, flush, rename) of a typical DO
 * record, median of 200, in a store of its own. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_put_cost(void **state)
{
    static double ms[200];
    bitsdo_store_section s[2];
    bitsdo_facade_rec f;
    bitsdo_job_rec rec;
    bitsdo_store *store;
    LARGE_INTEGER freq, t0, t1;
    WCHAR dir[MAX_PATH];
    uint8_t *job, *extra;
    size_t job_len, extra_len;
    int i;

    (void)state;
    tu_path(dir, MAX_PATH, L"bench-store");
    assert_hr(S_OK, bitsdo_store_open(dir, &store));
    bitsdo_job_rec_init(&rec);
    CoCreateGuid((GUID *)rec.id);
    bitsdo_set_wstr(&rec.display_name, (const bitsdo_wchar *)L"a typical download");
    bitsdo_set_wstr(&rec.owner_sid, (const bitsdo_wchar *)L"S-1-5-21-0-0-0-1000");
    bitsdo_job_rec_add_file(&rec, (const bitsdo_wchar *)L"http://127.0.0.1:8080/some/where/file.bin",
                            (const bitsdo_wchar *)L"C:\\users\\me\\Downloads\\file.bin", NULL, 0);
    bitsdo_set_wstr(&rec.files[0]->temp_name, (const bitsdo_wchar *)L"C:\\users\\me\\Downloads\\BIT1A2B.tmp");
    assert_int_equal(S_OK, bitsdo_job_rec_write(&rec, &job, &job_len));
    bitsdo_facade_rec_init(&f, BITSDO_FACADEREC_DO_DOWNLOAD);
    f.dl.non_volatile = 1;
    f.dl.uri = (bitsdo_wchar *)L"http://127.0.0.1:8080/some/where/file.bin";
    f.dl.local_path = (bitsdo_wchar *)L"C:\\users\\me\\Downloads\\file.bin";
    assert_int_equal(S_OK, bitsdo_facade_rec_write(&f, &extra, &extra_len));
    s[0] = (bitsdo_store_section){BITSDO_STORE_SECTION_JOB, job, (uint32_t)job_len};
    s[1] = (bitsdo_store_section){BITSDO_STORE_SECTION_FACADE, extra, (uint32_t)extra_len};
    QueryPerformanceFrequency(&freq);
    for (i = 0; i < 200; i++) {
        QueryPerformanceCounter(&t0);
        assert_hr(S_OK, bitsdo_store_put(store, (const GUID *)rec.id, BITSDO_STORE_KIND_DO_DOWNLOAD, s, 2));
        QueryPerformanceCounter(&t1);
        ms[i] = (double)(t1.QuadPart - t0.QuadPart) * 1000.0 / (double)freq.QuadPart;
    }
    qsort(ms, 200, sizeof(ms[0]), cmp_double);
    print_message("store put (write, flush, rename) of a %u-byte DO download: median %.3f ms, p90 %.3f ms\n",
                  (unsigned)(job_len + extra_len + BITSDO_STOREREC_HEADER_SIZE + 2 * BITSDO_STOREREC_SECTION_HEADER_SIZE),
                  ms[100], ms[180]);
    /* The same job as a BITS job is the job section alone. */
    print_message("the same job as a BITS job record: %u bytes\n",
                  (unsigned)(job_len + BITSDO_STOREREC_HEADER_SIZE + BITSDO_STOREREC_SECTION_HEADER_SIZE));
    free(job);
    free(extra);
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);
}

static int group_teardown(void **state)
{
    hu_stop_host();
    return tu_group_teardown(state);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_across_stop),
        cmocka_unit_test(test_kept_across_kill),
        cmocka_unit_test(test_put_cost),
    };

    GetModuleFileNameW(NULL, self_path, ARRAYSIZE(self_path));
    if (argc >= 2 && !strcmp(argv[1], "child")) {
        int wargc;
        WCHAR **wargv = CommandLineToArgvW(GetCommandLineW(), &wargc);

        if (wargc >= 8 && !wcscmp(wargv[2], L"check"))
            return child_check(wargv[3], wargv[4], wargv[5], wargv[6], wargv[7]);
        return 1;
    }
    return cmocka_run_group_tests(tests, tu_group_setup, group_teardown);
}
