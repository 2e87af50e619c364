/* The proxies and stubs of bitsdo.dll really marshal: every string
 * out-parameter, VARIANTs with BSTRs, structures with embedded strings,
 * interface pointers both ways, callbacks.
 *
 * Two tests:
 *   - cross-apartment, in this process: objects created in the MTA (our
 *     classes are ThreadingModel Both and do not aggregate the free-threaded
 *     marshaler, so COM marshals them with the registered proxies) are used
 *     from an STA thread through CoMarshalInterThreadInterfaceInStream;
 *   - cross-process: this program starts a copy of itself ("server"), which
 *     creates private managers with a job, a failed job, a DO download and a
 *     BITS 1.0 group, marshals the three managers (MSHCTX_LOCAL,
 *     MSHLFLAGS_TABLESTRONG) into a named file mapping together with its own
 *     in-process answers, signals and waits (bounded) for the parent. The
 *     parent unmarshals, gets the same answers through the proxies, passes
 *     an IBackgroundCopyCallback that the child calls back across processes,
 *     and times GetState.
 * Both compare the answers of one table of getters (every method with an
 * [out] LPWSTR * and the other string-carrying outputs) with the in-process
 * answers of the same objects: equal HRESULTs, equal strings.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#include <stdlib.h>

#define BG_E_NOT_FOUND_HR ((HRESULT)0x80200001)
#define MAP_SIZE          (256u * 1024u)

/* --- the objects and how to reach them ------------------------------------- */

/* What a process needs to reach every object: three managers and ids. */
typedef struct roots {
    IBackgroundCopyManager *mgr;
    IDOManager *dom;
    IBackgroundCopyQMgr *qm;
    GUID job_id, err_job_id, done_job_id, group_id, job1_id;
    WCHAR download_id[40];
} roots;

typedef struct objects {
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job;
    IBackgroundCopyFile *file;
    IBackgroundCopyFile *done_file; /* of a TRANSFERRED job, not completed */
    IBackgroundCopyError *error;
    IDODownload *download;
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job1;
} objects;

static const WCHAR display_name[] = L"proxy test job \x00e9\x4e2d";
static const WCHAR description[] = L"a job whose strings cross apartments and processes";

static void bstr_variant(VARIANT *v, const WCHAR *s)
{
    VariantInit(v);
    V_VT(v) = VT_BSTR;
    V_BSTR(v) = SysAllocString(s);
}

/* Creates, in this process, the objects of a roots set inside folder dir. */
static void make_objects(roots *r, const WCHAR *dir)
{
    WCHAR src[MAX_PATH], dst[MAX_PATH], missing[MAX_PATH], url[3 * MAX_PATH];
    IBackgroundCopyJob *job, *err_job, *done_job;
    IDeliveryOptimizationJob *dojob;
    IBackgroundCopyJob2 *job2;
    IBackgroundCopyJobHttpOptions *http;
    IDODownload *d;
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job1;
    FILESETINFO fsi, *fsip = &fsi;
    VARIANT v;

    memset(r, 0, sizeof(*r));
    tu_mkdirs(dir);
    swprintf(src, MAX_PATH, L"%ls\\source.bin", dir);
    swprintf(dst, MAX_PATH, L"%ls\\copy.bin", dir);
    swprintf(missing, MAX_PATH, L"%ls\\missing.bin", dir);
    tu_make_file(src, 300 * 1024 + 7, 5);

    r->mgr = tu_manager();
    job = tu_create_job(r->mgr, display_name, &r->job_id);
    assert_hr(S_OK, IBackgroundCopyJob_SetDescription(job, description));
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, dst));
    assert_hr(S_OK,
              IBackgroundCopyJob_SetProxySettings(
                  job, BG_JOB_PROXY_USAGE_OVERRIDE, L"http://proxy.invalid:8080", L"<local>;*.example"));
    job2 = tu_qi(job, &IID_IBackgroundCopyJob2);
    assert_hr(S_OK,
              IBackgroundCopyJob2_SetNotifyCmdLine(
                  job2, L"C:\\windows\\system32\\cmd.exe", L"cmd.exe /c rem notified"));
    IBackgroundCopyJob2_Release(job2);
    http = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, L"X-Bitsdo: proxies\r\nX-Two: 2"));
    IBackgroundCopyJobHttpOptions_Release(http);
    {
        IBackgroundCopyJob5 *job5 = tu_qi(job, &IID_IBackgroundCopyJob5);
        BITS_JOB_PROPERTY_VALUE value;

        value.Dword = BITS_COST_STATE_TRANSFER_NOT_ROAMING;
        assert_hr(S_OK, IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, value));
        IBackgroundCopyJob5_Release(job5);
    }
    IBackgroundCopyJob_Release(job);

    /* A job in ERROR, for IBackgroundCopyError. */
    err_job = tu_create_job(r->mgr, L"failing", &r->err_job_id);
    swprintf(dst, MAX_PATH, L"%ls\\copy2.bin", dir);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(err_job, missing, dst));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(err_job));
    assert_int_equal(tu_wait_settled(err_job, TU_WAIT_MS), BG_JOB_STATE_ERROR);
    IBackgroundCopyJob_Release(err_job);

    /* A TRANSFERRED job (temporary name, DO file id and statistics). */
    done_job = tu_create_job(r->mgr, L"transferred", &r->done_job_id);
    swprintf(dst, MAX_PATH, L"%ls\\copy5.bin", dir);
    dojob = tu_qi(done_job, &IID_IDeliveryOptimizationJob);
    assert_hr(S_OK,
              IDeliveryOptimizationJob_AddFileWithRanges(
                  dojob, L"file-id-42", src, dst, 0, NULL, DO_UNKNOWN_FILE_SIZE));
    IDeliveryOptimizationJob_Release(dojob);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(done_job));
    assert_true(wait_for_state(done_job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    IBackgroundCopyJob_Release(done_job);

    /* A DO download. */
    assert_hr(S_OK,
              CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization,
                               NULL,
                               CLSCTX_INPROC_SERVER,
                               &IID_IDOManager,
                               (void **)&r->dom));
    assert_hr(S_OK, IDOManager_CreateDownload(r->dom, &d));
    bstr_variant(&v, tu_file_url(url, ARRAYSIZE(url), src));
    assert_hr(S_OK, IDODownload_SetProperty(d, DODownloadProperty_Uri, &v));
    VariantClear(&v);
    swprintf(dst, MAX_PATH, L"%ls\\copy3.bin", dir);
    bstr_variant(&v, dst);
    assert_hr(S_OK, IDODownload_SetProperty(d, DODownloadProperty_LocalPath, &v));
    VariantClear(&v);
    bstr_variant(&v, L"proxy test download");
    assert_hr(S_OK, IDODownload_SetProperty(d, DODownloadProperty_DisplayName, &v));
    VariantClear(&v);
    VariantInit(&v);
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_Id, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    wcsncpy(r->download_id, V_BSTR(&v), ARRAYSIZE(r->download_id) - 1);
    VariantClear(&v);
    IDODownload_Release(d);

    /* A BITS 1.0 group with a job. */
    assert_hr(
        S_OK,
        CoCreateInstance(
            &CLSID_BitsdoPrivateQMgr, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyQMgr, (void **)&r->qm));
    CoCreateGuid(&r->group_id);
    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(r->qm, r->group_id, &group));
    bstr_variant(&v, L"proxy test group");
    assert_hr(S_OK, IBackgroundCopyGroup_SetProp(group, GROUPPROP_DISPLAYNAME, &v));
    VariantClear(&v);
    bstr_variant(&v, L"the group's description");
    assert_hr(S_OK, IBackgroundCopyGroup_SetProp(group, GROUPPROP_DESCRIPTION, &v));
    VariantClear(&v);
    CoCreateGuid(&r->job1_id);
    assert_hr(S_OK, IBackgroundCopyGroup_CreateJob(group, r->job1_id, &job1));
    swprintf(dst, MAX_PATH, L"%ls\\copy4.bin", dir);
    fsi.bstrRemoteFile = SysAllocString(url);
    fsi.bstrLocalFile = SysAllocString(dst);
    fsi.dwSizeHint = 4242;
    assert_hr(S_OK, IBackgroundCopyJob1_AddFiles(job1, 1, &fsip));
    SysFreeString(fsi.bstrRemoteFile);
    SysFreeString(fsi.bstrLocalFile);
    IBackgroundCopyJob1_Release(job1);
    IBackgroundCopyGroup_Release(group);
}

/* Reaches every object from the roots (through proxies when the roots are
 * proxies). */
static void collect(const roots *r, objects *o)
{
    IBackgroundCopyJob *err_job, *done_job;
    IEnumBackgroundCopyFiles *files;
    IEnumUnknown *downloads;
    IUnknown *unk;
    DO_DOWNLOAD_ENUM_CATEGORY category = {DODownloadProperty_Id, r->download_id};
    ULONG fetched = 0;

    memset(o, 0, sizeof(*o));
    o->mgr = r->mgr;
    IBackgroundCopyManager_AddRef(o->mgr);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(r->mgr, &r->job_id, &o->job));
    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(o->job, &files));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Next(files, 1, &o->file, &fetched));
    assert_int_equal(fetched, 1);
    IEnumBackgroundCopyFiles_Release(files);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(r->mgr, &r->done_job_id, &done_job));
    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(done_job, &files));
    fetched = 0;
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Next(files, 1, &o->done_file, &fetched));
    assert_int_equal(fetched, 1);
    IEnumBackgroundCopyFiles_Release(files);
    IBackgroundCopyJob_Release(done_job);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(r->mgr, &r->err_job_id, &err_job));
    assert_hr(S_OK, IBackgroundCopyJob_GetError(err_job, &o->error));
    IBackgroundCopyJob_Release(err_job);
    assert_hr(S_OK, IDOManager_EnumDownloads(r->dom, &category, &downloads));
    fetched = 0;
    assert_hr(S_OK, IEnumUnknown_Next(downloads, 1, &unk, &fetched));
    assert_int_equal(fetched, 1);
    assert_hr(S_OK, IUnknown_QueryInterface(unk, &IID_IDODownload, (void **)&o->download));
    IUnknown_Release(unk);
    IEnumUnknown_Release(downloads);
    assert_hr(S_OK, IBackgroundCopyQMgr_GetGroup(r->qm, r->group_id, &o->group));
    assert_hr(S_OK, IBackgroundCopyGroup_GetJob(o->group, r->job1_id, &o->job1));
}

static void release_objects(objects *o)
{
    IBackgroundCopyManager_Release(o->mgr);
    IBackgroundCopyJob_Release(o->job);
    IBackgroundCopyFile_Release(o->file);
    IBackgroundCopyFile_Release(o->done_file);
    IBackgroundCopyError_Release(o->error);
    IDODownload_Release(o->download);
    IBackgroundCopyGroup_Release(o->group);
    IBackgroundCopyJob1_Release(o->job1);
    memset(o, 0, sizeof(*o));
}

/* --- the getters ------------------------------------------------------------- */

typedef struct answer {
    HRESULT hr;
    DWORD num;   /* a number the call also returned */
    WCHAR *s[2]; /* malloc'd copies; NULL when the call gave NULL */
} answer;

static WCHAR *keep(WCHAR *s) /* takes a CoTaskMem string */
{
    WCHAR *copy = NULL;

    if (s) {
        copy = malloc((wcslen(s) + 1) * sizeof(WCHAR));
        wcscpy(copy, s);
        CoTaskMemFree(s);
    }
    return copy;
}

static WCHAR *keep_bstr(BSTR s)
{
    WCHAR *copy = NULL;

    if (s) {
        copy = malloc((SysStringLen(s) + 1) * sizeof(WCHAR));
        wcscpy(copy, s);
        SysFreeString(s);
    }
    return copy;
}

static void keep_variant(answer *a, VARIANT *v)
{
    a->num = V_VT(v);
    if (V_VT(v) == VT_BSTR) {
        a->s[0] = keep_bstr(V_BSTR(v));
        V_VT(v) = VT_EMPTY;
    } else if (SUCCEEDED(VariantChangeType(v, v, 0, VT_BSTR))) {
        a->s[0] = keep_bstr(V_BSTR(v));
        V_VT(v) = VT_EMPTY;
    }
    VariantClear(v);
}

/* QueryInterface, or the answer says E_NOINTERFACE (as the real object). */
#define WITH(type, obj, iid, var)                                                         \
    type *var = NULL;                                                                     \
    if (FAILED(a->hr = IUnknown_QueryInterface((IUnknown *)(obj), (iid), (void **)&var))) \
        return;                                                                           \
    (void)0

static void g_mgr_error_description(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyManager_GetErrorDescription(o->mgr, BG_E_NOT_FOUND_HR, 0x409, &s);
    a->s[0] = keep(s);
}
static void g_job_owner(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyJob_GetOwner(o->job, &s);
    a->s[0] = keep(s);
}
static void g_job_display_name(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyJob_GetDisplayName(o->job, &s);
    a->s[0] = keep(s);
}
static void g_job_description(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyJob_GetDescription(o->job, &s);
    a->s[0] = keep(s);
}
static void g_job_proxy_settings(objects *o, answer *a)
{
    BG_JOB_PROXY_USAGE usage = (BG_JOB_PROXY_USAGE)-1;
    WCHAR *list = NULL, *bypass = NULL;
    a->hr = IBackgroundCopyJob_GetProxySettings(o->job, &usage, &list, &bypass);
    a->num = usage;
    a->s[0] = keep(list);
    a->s[1] = keep(bypass);
}
static void g_job_progress(objects *o, answer *a)
{
    BG_JOB_PROGRESS p;
    WCHAR text[80];
    memset(&p, 0xcc, sizeof(p));
    a->hr = IBackgroundCopyJob_GetProgress(o->job, &p);
    swprintf(text,
             80,
             L"%llu/%llu bytes %lu/%lu files",
             p.BytesTransferred,
             p.BytesTotal,
             p.FilesTransferred,
             p.FilesTotal);
    a->s[0] = malloc(sizeof(text));
    wcscpy(a->s[0], text);
}
static void g_job_state(objects *o, answer *a)
{
    BG_JOB_STATE state = (BG_JOB_STATE)-1;
    a->hr = IBackgroundCopyJob_GetState(o->job, &state);
    a->num = state;
}
static void g_job5_cost_flags(objects *o, answer *a)
{
    BITS_JOB_PROPERTY_VALUE value;
    WITH(IBackgroundCopyJob5, o->job, &IID_IBackgroundCopyJob5, job5);
    value.Dword = 0xdeadbeef;
    a->hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &value);
    a->num = value.Dword;
    IBackgroundCopyJob5_Release(job5);
}
static void g_job2_notify_cmdline(objects *o, answer *a)
{
    WCHAR *program = NULL, *params = NULL;
    WITH(IBackgroundCopyJob2, o->job, &IID_IBackgroundCopyJob2, job2);
    a->hr = IBackgroundCopyJob2_GetNotifyCmdLine(job2, &program, &params);
    a->s[0] = keep(program);
    a->s[1] = keep(params);
    IBackgroundCopyJob2_Release(job2);
}
static void g_job2_reply_file_name(objects *o, answer *a)
{
    WCHAR *s = NULL;
    WITH(IBackgroundCopyJob2, o->job, &IID_IBackgroundCopyJob2, job2);
    a->hr = IBackgroundCopyJob2_GetReplyFileName(job2, &s);
    a->s[0] = keep(s);
    IBackgroundCopyJob2_Release(job2);
}
static void g_http_custom_headers(objects *o, answer *a)
{
    WCHAR *s = NULL;
    WITH(IBackgroundCopyJobHttpOptions, o->job, &IID_IBackgroundCopyJobHttpOptions, http);
    a->hr = IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, &s);
    a->s[0] = keep(s);
    IBackgroundCopyJobHttpOptions_Release(http);
}
static void g_http_client_certificate(objects *o, answer *a)
{
    BG_CERT_STORE_LOCATION location = (BG_CERT_STORE_LOCATION)-1;
    WCHAR *store = NULL, *subject = NULL;
    BYTE *hash = NULL;
    WITH(IBackgroundCopyJobHttpOptions, o->job, &IID_IBackgroundCopyJobHttpOptions, http);
    a->hr = IBackgroundCopyJobHttpOptions_GetClientCertificate(http, &location, &store, &hash, &subject);
    a->num = SUCCEEDED(a->hr) ? (DWORD)location : 0;
    a->s[0] = keep(store);
    a->s[1] = keep(subject);
    CoTaskMemFree(hash);
    IBackgroundCopyJobHttpOptions_Release(http);
}
static void g_token_helper_sid(objects *o, answer *a)
{
    WCHAR *s = NULL;
    WITH(IBitsTokenOptions, o->job, &IID_IBitsTokenOptions, token);
    a->hr = IBitsTokenOptions_GetHelperTokenSid(token, &s);
    a->s[0] = keep(s);
    IBitsTokenOptions_Release(token);
}
static void g_do_job2_property(objects *o, answer *a)
{
    VARIANT v;
    WITH(IDeliveryOptimizationJob2, o->job, &IID_IDeliveryOptimizationJob2, dojob);
    VariantInit(&v);
    a->hr = IDeliveryOptimizationJob2_GetProperty(dojob, DOJobPropertyId_ExtendedErrorInfo, &v);
    keep_variant(a, &v);
    IDeliveryOptimizationJob2_Release(dojob);
}
static void g_file_remote_name(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyFile_GetRemoteName(o->file, &s);
    a->s[0] = keep(s);
}
static void g_file_local_name(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyFile_GetLocalName(o->file, &s);
    a->s[0] = keep(s);
}
static void g_file3_temporary_name(objects *o, answer *a)
{
    WCHAR *s = NULL;
    WITH(IBackgroundCopyFile3, o->file, &IID_IBackgroundCopyFile3, file3);
    a->hr = IBackgroundCopyFile3_GetTemporaryName(file3, &s);
    a->s[0] = keep(s);
    IBackgroundCopyFile3_Release(file3);
}
static void g_done_file3_temporary_name(objects *o, answer *a)
{
    objects done = *o;
    done.file = o->done_file;
    g_file3_temporary_name(&done, a);
}
static void g_file2_ranges(objects *o, answer *a)
{
    DWORD count = 0;
    BG_FILE_RANGE *ranges = NULL;
    WCHAR text[80];
    WITH(IBackgroundCopyFile2, o->file, &IID_IBackgroundCopyFile2, file2);
    a->hr = IBackgroundCopyFile2_GetFileRanges(file2, &count, &ranges);
    a->num = count;
    if (SUCCEEDED(a->hr) && count) {
        swprintf(text, 80, L"%llu+%llu", ranges[0].InitialOffset, ranges[0].Length);
        a->s[0] = malloc(sizeof(text));
        wcscpy(a->s[0], text);
    }
    CoTaskMemFree(ranges);
    IBackgroundCopyFile2_Release(file2);
}
static void g_file5_property(objects *o, answer *a)
{
    BITS_FILE_PROPERTY_VALUE value;
    WITH(IBackgroundCopyFile5, o->file, &IID_IBackgroundCopyFile5, file5);
    value.String = NULL;
    a->hr = IBackgroundCopyFile5_GetProperty(file5, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &value);
    a->s[0] = keep(SUCCEEDED(a->hr) ? value.String : NULL);
    IBackgroundCopyFile5_Release(file5);
}
/* SetProperty: E_NOTIMPL for the headers id, E_INVALIDARG for another (num);
 * GetProperty of that other id: E_INVALIDARG and a NULL string (num 0). */
static void g_file5_set_property(objects *o, answer *a)
{
    BITS_FILE_PROPERTY_VALUE value;
    WITH(IBackgroundCopyFile5, o->file, &IID_IBackgroundCopyFile5, file5);
    value.String = (LPWSTR)L"X-Bitsdo: set";
    a->hr = IBackgroundCopyFile5_SetProperty(file5, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, value);
    a->num = (DWORD)IBackgroundCopyFile5_SetProperty(file5, (BITS_FILE_PROPERTY_ID)2, value);
    IBackgroundCopyFile5_Release(file5);
}
static void g_file5_other_property(objects *o, answer *a)
{
    BITS_FILE_PROPERTY_VALUE value;
    WITH(IBackgroundCopyFile5, o->file, &IID_IBackgroundCopyFile5, file5);
    value.String = (LPWSTR)L"untouched";
    a->hr = IBackgroundCopyFile5_GetProperty(file5, (BITS_FILE_PROPERTY_ID)2, &value);
    a->num = value.String != NULL;
    IBackgroundCopyFile5_Release(file5);
}
static void g_do_file_stats(objects *o, answer *a)
{
    DOSwarmStats stats;
    WITH(IDeliveryOptimizationFile, o->file, &IID_IDeliveryOptimizationFile, dofile);
    memset(&stats, 0, sizeof(stats));
    a->hr = IDeliveryOptimizationFile_GetStats(dofile, &stats);
    a->num = (DWORD)stats.fileSize;
    a->s[0] = keep(stats.fileId);
    a->s[1] = keep(stats.sourceURL);
    IDeliveryOptimizationFile_Release(dofile);
}
static void g_done_file_stats(objects *o, answer *a)
{
    objects done = *o;
    done.file = o->done_file;
    g_do_file_stats(&done, a);
}
static void g_error_code(objects *o, answer *a)
{
    BG_ERROR_CONTEXT context = 0;
    HRESULT code = 0;
    IBackgroundCopyFile *file = NULL;
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyError_GetError(o->error, &context, &code);
    a->num = (DWORD)code ^ ((DWORD)context << 28);
    if (SUCCEEDED(IBackgroundCopyError_GetFile(o->error, &file))) {
        IBackgroundCopyFile_GetLocalName(file, &s);
        a->s[0] = keep(s);
        IBackgroundCopyFile_Release(file);
    }
}
static void g_error_description(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyError_GetErrorDescription(o->error, 0x409, &s);
    a->s[0] = keep(s);
}
static void g_error_context_description(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyError_GetErrorContextDescription(o->error, 0x409, &s);
    a->s[0] = keep(s);
}
static void g_error_protocol(objects *o, answer *a)
{
    WCHAR *s = NULL;
    a->hr = IBackgroundCopyError_GetProtocol(o->error, &s);
    a->s[0] = keep(s);
}
static void download_property(objects *o, answer *a, DODownloadProperty id)
{
    VARIANT v;
    VariantInit(&v);
    a->hr = IDODownload_GetProperty(o->download, id, &v);
    keep_variant(a, &v);
}
static void g_download_id(objects *o, answer *a)
{
    download_property(o, a, DODownloadProperty_Id);
}
static void g_download_uri(objects *o, answer *a)
{
    download_property(o, a, DODownloadProperty_Uri);
}
static void g_download_local_path(objects *o, answer *a)
{
    download_property(o, a, DODownloadProperty_LocalPath);
}
static void g_download_display_name(objects *o, answer *a)
{
    download_property(o, a, DODownloadProperty_DisplayName);
}
static void g_download_timeout(objects *o, answer *a)
{
    download_property(o, a, DODownloadProperty_NoProgressTimeoutSeconds);
}
static void g_download_status(objects *o, answer *a)
{
    DO_DOWNLOAD_STATUS st;
    WCHAR text[80];
    memset(&st, 0xcc, sizeof(st));
    a->hr = IDODownload_GetStatus(o->download, &st);
    swprintf(text,
             80,
             L"%llu/%llu state %d error %08lx",
             st.BytesTransferred,
             st.BytesTotal,
             st.State,
             (unsigned long)st.Error);
    a->s[0] = malloc(sizeof(text));
    wcscpy(a->s[0], text);
}
static void g_group_display_name(objects *o, answer *a)
{
    VARIANT v;
    VariantInit(&v);
    a->hr = IBackgroundCopyGroup_GetProp(o->group, GROUPPROP_DISPLAYNAME, &v);
    keep_variant(a, &v);
}
static void g_group_description(objects *o, answer *a)
{
    VARIANT v;
    VariantInit(&v);
    a->hr = IBackgroundCopyGroup_GetProp(o->group, GROUPPROP_DESCRIPTION, &v);
    keep_variant(a, &v);
}
static void g_job1_file(objects *o, answer *a)
{
    FILESETINFO fsi;
    memset(&fsi, 0, sizeof(fsi));
    a->hr = IBackgroundCopyJob1_GetFile(o->job1, 0, &fsi);
    a->num = fsi.dwSizeHint;
    a->s[0] = keep_bstr(fsi.bstrRemoteFile);
    a->s[1] = keep_bstr(fsi.bstrLocalFile);
}

static const struct getter {
    const char *name;
    void (*fn)(objects *o, answer *a);
    BOOL must_succeed; /* and give a non-empty first string */
} getters[] = {
    {"IBackgroundCopyManager::GetErrorDescription", g_mgr_error_description, TRUE},
    {"IBackgroundCopyJob::GetOwner", g_job_owner, TRUE},
    {"IBackgroundCopyJob::GetDisplayName", g_job_display_name, TRUE},
    {"IBackgroundCopyJob::GetDescription", g_job_description, TRUE},
    {"IBackgroundCopyJob::GetProxySettings", g_job_proxy_settings, TRUE},
    {"IBackgroundCopyJob::GetProgress", g_job_progress, TRUE},
    {"IBackgroundCopyJob::GetState", g_job_state, FALSE},
    {"IBackgroundCopyJob5::GetProperty(COST_FLAGS)", g_job5_cost_flags, FALSE},
    {"IBackgroundCopyJob2::GetNotifyCmdLine", g_job2_notify_cmdline, TRUE},
    {"IBackgroundCopyJob2::GetReplyFileName", g_job2_reply_file_name, FALSE},
    {"IBackgroundCopyJobHttpOptions::GetCustomHeaders", g_http_custom_headers, TRUE},
    {"IBackgroundCopyJobHttpOptions::GetClientCertificate", g_http_client_certificate, FALSE},
    {"IBitsTokenOptions::GetHelperTokenSid", g_token_helper_sid, FALSE},
    {"IDeliveryOptimizationJob2::GetProperty(ExtendedErrorInfo)", g_do_job2_property, FALSE},
    {"IBackgroundCopyFile::GetRemoteName", g_file_remote_name, TRUE},
    {"IBackgroundCopyFile::GetLocalName", g_file_local_name, TRUE},
    {"IBackgroundCopyFile3::GetTemporaryName", g_file3_temporary_name, FALSE},
    {"IBackgroundCopyFile2::GetFileRanges", g_file2_ranges, FALSE},
    {"IBackgroundCopyFile5::GetProperty(HTTP_RESPONSE_HEADERS)", g_file5_property, FALSE},
    {"IBackgroundCopyFile5::SetProperty(HTTP_RESPONSE_HEADERS, 2)", g_file5_set_property, FALSE},
    {"IBackgroundCopyFile5::GetProperty(2)", g_file5_other_property, FALSE},
    {"IDeliveryOptimizationFile::GetStats", g_do_file_stats, FALSE},
    {"IBackgroundCopyFile3::GetTemporaryName (transferred)", g_done_file3_temporary_name, TRUE},
    {"IDeliveryOptimizationFile::GetStats (transferred)", g_done_file_stats, TRUE},
    {"IBackgroundCopyError::GetError/GetFile", g_error_code, TRUE},
    {"IBackgroundCopyError::GetErrorDescription", g_error_description, TRUE},
    {"IBackgroundCopyError::GetErrorContextDescription", g_error_context_description, TRUE},
    {"IBackgroundCopyError::GetProtocol", g_error_protocol, FALSE},
    {"IDODownload::GetProperty(Id)", g_download_id, TRUE},
    {"IDODownload::GetProperty(Uri)", g_download_uri, TRUE},
    {"IDODownload::GetProperty(LocalPath)", g_download_local_path, TRUE},
    {"IDODownload::GetProperty(DisplayName)", g_download_display_name, TRUE},
    {"IDODownload::GetProperty(NoProgressTimeoutSeconds)", g_download_timeout, TRUE},
    {"IDODownload::GetStatus", g_download_status, TRUE},
    {"IBackgroundCopyGroup::GetProp(DISPLAYNAME)", g_group_display_name, TRUE},
    {"IBackgroundCopyGroup::GetProp(DESCRIPTION)", g_group_description, TRUE},
    {"IBackgroundCopyJob1::GetFile", g_job1_file, TRUE},
};
#define N_GETTERS ARRAYSIZE(getters)

static void run_getters(objects *o, answer *answers)
{
    size_t i;

    memset(answers, 0, N_GETTERS * sizeof(*answers));
    for (i = 0; i < N_GETTERS; i++)
        getters[i].fn(o, &answers[i]);
}

static void free_answers(answer *answers)
{
    size_t i;

    for (i = 0; i < N_GETTERS; i++) {
        free(answers[i].s[0]);
        free(answers[i].s[1]);
    }
}

static BOOL same_string(const WCHAR *a, const WCHAR *b)
{
    return (!a && !b) || (a && b && !wcscmp(a, b));
}

/* The answers through the proxies must be the in-process ones. */
static void compare_answers(const answer *local, const answer *remote, const char *how)
{
    size_t i;
    int bad = 0;

    for (i = 0; i < N_GETTERS; i++) {
        const answer *l = &local[i], *r = &remote[i];
        BOOL ok = l->hr == r->hr && l->num == r->num && same_string(l->s[0], r->s[0]) &&
                  same_string(l->s[1], r->s[1]);
        if (getters[i].must_succeed && (FAILED(l->hr) || !l->s[0] || !l->s[0][0]))
            ok = FALSE;
        if (!ok || getenv("BITSDO_TEST_VERBOSE"))
            print_message("%s %s: in-process 0x%08lx %lu \"%ls\" \"%ls\", %s 0x%08lx %lu \"%ls\" \"%ls\"\n",
                          ok ? "  ok" : "FAIL",
                          getters[i].name,
                          (unsigned long)l->hr,
                          l->num,
                          l->s[0] ? l->s[0] : L"(null)",
                          l->s[1] ? l->s[1] : L"(null)",
                          how,
                          (unsigned long)r->hr,
                          r->num,
                          r->s[0] ? r->s[0] : L"(null)",
                          r->s[1] ? r->s[1] : L"(null)");
        bad += !ok;
    }
    print_message("%s: %u getters compared, %d differ\n", how, (unsigned)N_GETTERS, bad);
    assert_int_equal(bad, 0);
}

/* The answers as bytes (to hand them from the child to the parent). */
static BYTE *put_answers(BYTE *p, const answer *answers)
{
    size_t i, k;
    DWORD len;

    for (i = 0; i < N_GETTERS; i++) {
        memcpy(p, &answers[i].hr, 4);
        memcpy(p + 4, &answers[i].num, 4);
        p += 8;
        for (k = 0; k < 2; k++) {
            len = answers[i].s[k] ? (DWORD)wcslen(answers[i].s[k]) : 0xFFFFFFFFu;
            memcpy(p, &len, 4);
            p += 4;
            if (answers[i].s[k]) {
                memcpy(p, answers[i].s[k], len * sizeof(WCHAR));
                p += len * sizeof(WCHAR);
            }
        }
    }
    return p;
}

static const BYTE *get_answers(const BYTE *p, answer *answers)
{
    size_t i, k;
    DWORD len;

    memset(answers, 0, N_GETTERS * sizeof(*answers));
    for (i = 0; i < N_GETTERS; i++) {
        memcpy(&answers[i].hr, p, 4);
        memcpy(&answers[i].num, p + 4, 4);
        p += 8;
        for (k = 0; k < 2; k++) {
            memcpy(&len, p, 4);
            p += 4;
            if (len != 0xFFFFFFFFu) {
                answers[i].s[k] = malloc((len + 1) * sizeof(WCHAR));
                memcpy(answers[i].s[k], p, len * sizeof(WCHAR));
                answers[i].s[k][len] = 0;
                p += len * sizeof(WCHAR);
            }
        }
    }
    return p;
}

static void release_roots(roots *r)
{
    if (r->mgr)
        IBackgroundCopyManager_Release(r->mgr);
    if (r->dom)
        IDOManager_Release(r->dom);
    if (r->qm)
        IBackgroundCopyQMgr_Release(r->qm);
    r->mgr = NULL;
    r->dom = NULL;
    r->qm = NULL;
}

/* Cancels what make_objects created (through whatever the roots are). */
static void cancel_objects(const roots *r)
{
    IBackgroundCopyJob *job;
    IBackgroundCopyGroup *group;

    if (SUCCEEDED(IBackgroundCopyManager_GetJob(r->mgr, &r->job_id, &job))) {
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }
    if (SUCCEEDED(IBackgroundCopyManager_GetJob(r->mgr, &r->done_job_id, &job))) {
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }
    if (SUCCEEDED(IBackgroundCopyManager_GetJob(r->mgr, &r->err_job_id, &job))) {
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }
    if (SUCCEEDED(IBackgroundCopyQMgr_GetGroup(r->qm, r->group_id, &group))) {
        IBackgroundCopyGroup_CancelGroup(group);
        IBackgroundCopyGroup_Release(group);
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median duration of n GetState calls, in microseconds. */
static double median_get_state_us(IBackgroundCopyJob *job, int n)
{
    double *t = malloc(n * sizeof(double)), median, start;
    BG_JOB_STATE state;
    int i;

    for (i = 0; i < n; i++) {
        start = tu_seconds();
        assert_hr(S_OK, IBackgroundCopyJob_GetState(job, &state));
        t[i] = (tu_seconds() - start) * 1e6;
    }
    qsort(t, n, sizeof(double), compare_doubles);
    median = t[n / 2];
    free(t);
    return median;
}

/* --- cross-apartment ----------------------------------------------------------- */

typedef struct sta_call {
    IStream *mgr, *dom, *qm;
    const roots *mta; /* the ids (and the MTA pointers, to compare) */
    answer answers[N_GETTERS];
    HRESULT hr;
    BOOL proxies;
    double get_state_us;
    HRESULT next_null_hr;
} sta_call;

/* IEnumBackgroundCopyFiles::Next(1, &file, NULL), as clients write it: the
 * count pointer may be NULL when celt is 1. */
static HRESULT next_without_count(IBackgroundCopyJob *job)
{
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file = NULL;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_EnumFiles(job, &files)))
        return hr;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL);
    if (file)
        IBackgroundCopyFile_Release(file);
    else if (hr == S_OK)
        hr = E_POINTER;
    IEnumBackgroundCopyFiles_Release(files);
    return hr;
}

static DWORD WINAPI sta_thread(void *arg)
{
    sta_call *c = arg;
    roots r = *c->mta;
    objects o;

    if (FAILED(c->hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED)))
        return 0;
    r.mgr = NULL;
    r.dom = NULL;
    r.qm = NULL;
    if (SUCCEEDED(c->hr =
                      CoGetInterfaceAndReleaseStream(c->mgr, &IID_IBackgroundCopyManager, (void **)&r.mgr)) &&
        SUCCEEDED(c->hr = CoGetInterfaceAndReleaseStream(c->dom, &IID_IDOManager, (void **)&r.dom)) &&
        SUCCEEDED(c->hr = CoGetInterfaceAndReleaseStream(c->qm, &IID_IBackgroundCopyQMgr, (void **)&r.qm))) {
        /* Proxies, not the objects themselves. */
        c->proxies = (void *)r.mgr != (void *)c->mta->mgr && (void *)r.dom != (void *)c->mta->dom &&
                     (void *)r.qm != (void *)c->mta->qm;
        collect(&r, &o);
        run_getters(&o, c->answers);
        c->next_null_hr = next_without_count(o.job);
        c->get_state_us = median_get_state_us(o.job, 1000);
        release_objects(&o);
    }
    release_roots(&r);
    CoUninitialize();
    return 0;
}

static void test_cross_apartment(void **state)
{
    WCHAR dir[MAX_PATH];
    roots r;
    objects o;
    answer local[N_GETTERS];
    sta_call *c = calloc(1, sizeof(*c));
    HANDLE thread;

    (void)state;
    tu_path(dir, MAX_PATH, L"apartment");
    make_objects(&r, dir);
    collect(&r, &o);
    run_getters(&o, local);
    release_objects(&o);

    c->mta = &r;
    assert_hr(S_OK,
              CoMarshalInterThreadInterfaceInStream(&IID_IBackgroundCopyManager, (IUnknown *)r.mgr, &c->mgr));
    assert_hr(S_OK, CoMarshalInterThreadInterfaceInStream(&IID_IDOManager, (IUnknown *)r.dom, &c->dom));
    assert_hr(S_OK,
              CoMarshalInterThreadInterfaceInStream(&IID_IBackgroundCopyQMgr, (IUnknown *)r.qm, &c->qm));
    thread = CreateThread(NULL, 0, sta_thread, c, 0, NULL);
    assert_non_null(thread);
    assert_true(tu_wait_event(thread, 120000));
    CloseHandle(thread);
    assert_hr(S_OK, c->hr);
    assert_true(c->proxies);
    assert_hr(S_OK, c->next_null_hr);
    print_message("cross-apartment GetState: median %.1f us of 1,000 calls\n", c->get_state_us);
    compare_answers(local, c->answers, "STA through the proxies");
    free_answers(local);
    free_answers(c->answers);
    cancel_objects(&r);
    release_roots(&r);
    free(c);
}

/* --- cross-process --------------------------------------------------------------- */

/* The shared block: the child's marshaled managers and its answers. */
typedef struct shared {
    DWORD blob_len[3];
    BYTE blob[3][2048];
    roots ids; /* pointers meaningless here: only the ids */
    BG_JOB_PROGRESS progress;
    WCHAR source[MAX_PATH], dest[MAX_PATH];
    DWORD answers_len;
    BYTE answers[];
} shared;

static const IID *const root_iids[3] = {
    &IID_IBackgroundCopyManager, &IID_IDOManager, &IID_IBackgroundCopyQMgr};

static void names(DWORD pid, WCHAR *map, WCHAR *ready, WCHAR *done)
{
    swprintf(map, 64, L"Local\\bitsdo_test_proxy_map_%lu", pid);
    swprintf(ready, 64, L"Local\\bitsdo_test_proxy_ready_%lu", pid);
    swprintf(done, 64, L"Local\\bitsdo_test_proxy_done_%lu", pid);
}

/* The child: "test_proxy.exe server PARENT_PID FOLDER". Returns its exit code. */
static int child_main(DWORD parent, const WCHAR *dir)
{
    WCHAR map_name[64], ready_name[64], done_name[64];
    HANDLE map, ready, done;
    shared *sh;
    roots r;
    objects o;
    answer local[N_GETTERS];
    IUnknown *root[3];
    IStream *stream[3];
    HGLOBAL mem;
    BYTE *end;
    int i, code = 0;
    LARGE_INTEGER zero = {{0, 0}};

    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    names(parent, map_name, ready_name, done_name);
    map = OpenFileMappingW(FILE_MAP_WRITE, FALSE, map_name);
    ready = OpenEventW(EVENT_MODIFY_STATE, FALSE, ready_name);
    done = OpenEventW(SYNCHRONIZE, FALSE, done_name);
    if (!map || !ready || !done)
        return 2;
    sh = MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, MAP_SIZE);
    if (!sh || FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return 3;

    make_objects(&r, dir);
    collect(&r, &o);
    run_getters(&o, local);
    IBackgroundCopyJob_GetProgress(o.job, &sh->progress);
    release_objects(&o);
    sh->ids = r;
    swprintf(sh->source, MAX_PATH, L"%ls\\source.bin", dir);
    swprintf(sh->dest, MAX_PATH, L"%ls\\copy.bin", dir);
    end = put_answers(sh->answers, local);
    sh->answers_len = (DWORD)(end - sh->answers);
    free_answers(local);

    root[0] = (IUnknown *)r.mgr;
    root[1] = (IUnknown *)r.dom;
    root[2] = (IUnknown *)r.qm;
    for (i = 0; i < 3; i++) {
        BYTE *bytes;
        STATSTG st;
        if (FAILED(CreateStreamOnHGlobal(NULL, TRUE, &stream[i])) ||
            FAILED(CoMarshalInterface(
                stream[i], root_iids[i], root[i], MSHCTX_LOCAL, NULL, MSHLFLAGS_TABLESTRONG)) ||
            FAILED(IStream_Stat(stream[i], &st, STATFLAG_NONAME)) ||
            st.cbSize.QuadPart > sizeof(sh->blob[i]) || FAILED(GetHGlobalFromStream(stream[i], &mem)))
            return 4;
        bytes = GlobalLock(mem);
        memcpy(sh->blob[i], bytes, (size_t)st.cbSize.QuadPart);
        sh->blob_len[i] = (DWORD)st.cbSize.QuadPart;
        GlobalUnlock(mem);
    }
    SetEvent(ready);
    /* The parent works on our objects now; bounded. */
    if (WaitForSingleObject(done, 300000) != WAIT_OBJECT_0)
        code = 5;
    for (i = 0; i < 3; i++) {
        IStream_Seek(stream[i], zero, STREAM_SEEK_SET, NULL);
        CoReleaseMarshalData(stream[i]);
        IStream_Release(stream[i]);
    }
    cancel_objects(&r);
    release_roots(&r);
    UnmapViewOfFile(sh);
    CloseHandle(map);
    CloseHandle(ready);
    CloseHandle(done);
    CoUninitialize();
    return code;
}

/* The parent's IBackgroundCopyCallback: records what arrives. */
typedef struct callback {
    IBackgroundCopyCallback IBackgroundCopyCallback_iface;
    LONG refs;
    HANDLE transferred;
    DWORD thread;
    WCHAR name[128];
    LONG calls;
} callback;

static callback *impl_from_IBackgroundCopyCallback(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, callback, IBackgroundCopyCallback_iface);
}

static HRESULT WINAPI cb_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *out = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI cb_AddRef(IBackgroundCopyCallback *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyCallback(iface)->refs);
}

static ULONG WINAPI cb_Release(IBackgroundCopyCallback *iface)
{
    return InterlockedDecrement(&impl_from_IBackgroundCopyCallback(iface)->refs);
}

static HRESULT WINAPI cb_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    callback *cb = impl_from_IBackgroundCopyCallback(iface);
    WCHAR *name = NULL;

    /* The job here is a proxy to the child's job: call back into it. */
    if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &name)) && name) {
        wcsncpy(cb->name, name, ARRAYSIZE(cb->name) - 1);
        CoTaskMemFree(name);
    }
    cb->thread = GetCurrentThreadId();
    InterlockedIncrement(&cb->calls);
    SetEvent(cb->transferred);
    return S_OK;
}

static HRESULT WINAPI cb_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                  IBackgroundCopyError *error)
{
    (void)iface;
    (void)job;
    (void)error;
    return S_OK;
}

static HRESULT WINAPI cb_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                         DWORD reserved)
{
    (void)iface;
    (void)job;
    (void)reserved;
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl cb_vtbl = {
    cb_QueryInterface,
    cb_AddRef,
    cb_Release,
    cb_JobTransferred,
    cb_JobError,
    cb_JobModification,
};

static void test_cross_process(void **state)
{
    WCHAR exe[MAX_PATH], dir[MAX_PATH], cmd[3 * MAX_PATH];
    WCHAR map_name[64], ready_name[64], done_name[64];
    HANDLE map, ready, done, waits[2];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    shared *sh;
    roots r;
    objects o;
    answer child[N_GETTERS], proxied[N_GETTERS];
    IUnknown *root[3];
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *array[16];
    ULONG count = 0, fetched = 0, i;
    BOOL found = FALSE;
    BG_JOB_PROGRESS progress;
    callback cb = {{&cb_vtbl}, 1, NULL, 0, {0}, 0};
    DWORD code = (DWORD)-1, wait;
    double us;
    int k;

    (void)state;
    names(GetCurrentProcessId(), map_name, ready_name, done_name);
    map = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MAP_SIZE, map_name);
    ready = CreateEventW(NULL, TRUE, FALSE, ready_name);
    done = CreateEventW(NULL, TRUE, FALSE, done_name);
    assert_non_null(map);
    assert_non_null(ready);
    assert_non_null(done);
    sh = MapViewOfFile(map, FILE_MAP_READ, 0, 0, MAP_SIZE);
    assert_non_null(sh);

    GetModuleFileNameW(NULL, exe, MAX_PATH);
    tu_path(dir, MAX_PATH, L"child");
    swprintf(cmd, ARRAYSIZE(cmd), L"\"%ls\" server %lu \"%ls\"", exe, GetCurrentProcessId(), dir);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    assert_true(CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    waits[0] = ready;
    waits[1] = pi.hProcess;
    wait = WaitForMultipleObjects(2, waits, FALSE, 120000);
    if (wait != WAIT_OBJECT_0) {
        GetExitCodeProcess(pi.hProcess, &code);
        print_error("the child did not get ready (wait %lu, exit code %lu)\n", wait, code);
        TerminateProcess(pi.hProcess, 1);
        fail();
    }

    /* Unmarshal the child's managers. */
    for (k = 0; k < 3; k++) {
        IStream *stream;
        HGLOBAL mem = GlobalAlloc(GMEM_MOVEABLE, sh->blob_len[k]);
        memcpy(GlobalLock(mem), sh->blob[k], sh->blob_len[k]);
        GlobalUnlock(mem);
        assert_hr(S_OK, CreateStreamOnHGlobal(mem, TRUE, &stream));
        assert_hr(S_OK, CoUnmarshalInterface(stream, root_iids[k], (void **)&root[k]));
        IStream_Release(stream);
    }
    r = sh->ids;
    r.mgr = (IBackgroundCopyManager *)root[0];
    r.dom = (IDOManager *)root[1];
    r.qm = (IBackgroundCopyQMgr *)root[2];

    /* Every getter through the proxies answers what the child answered. */
    collect(&r, &o);
    get_answers(sh->answers, child);
    run_getters(&o, proxied);
    compare_answers(child, proxied, "another process through the proxies");
    free_answers(child);
    free_answers(proxied);
    /* Known values, so that both sides cannot be wrong the same way. */
    {
        WCHAR *s = NULL;
        assert_hr(S_OK, IBackgroundCopyJob_GetDisplayName(o.job, &s));
        assert_wstr_equal(s, display_name);
        CoTaskMemFree(s);
        assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(o.file, &s));
        assert_wstr_equal(s, sh->source);
        CoTaskMemFree(s);
    }
    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(o.job, &progress));
    assert_memory_equal(&progress, &sh->progress, sizeof(progress));

    /* EnumJobs: the child's jobs, as proxies, with their ids. */
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(r.mgr, 0, &jobs));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_GetCount(jobs, &count));
    assert_true(count >= 3 && count <= ARRAYSIZE(array));
    assert_hr(S_OK, IEnumBackgroundCopyJobs_Next(jobs, count, array, &fetched));
    assert_int_equal(fetched, count);
    for (i = 0; i < fetched; i++) {
        GUID id;
        assert_hr(S_OK, IBackgroundCopyJob_GetId(array[i], &id));
        found |= IsEqualGUID(&id, &r.job_id);
        IBackgroundCopyJob_Release(array[i]);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    assert_true(found);
    /* Next(1, &x, NULL) on every enumerator (the [call_as] RemoteNext). */
    assert_hr(S_OK, next_without_count(o.job));
    {
        IEnumBackgroundCopyGroups *groups;
        IEnumBackgroundCopyJobs1 *jobs1;
        GUID id;

        assert_hr(S_OK, IBackgroundCopyQMgr_EnumGroups(r.qm, 0, &groups));
        found = FALSE;
        while (!found && IEnumBackgroundCopyGroups_Next(groups, 1, &id, NULL) == S_OK)
            found = IsEqualGUID(&id, &r.group_id);
        IEnumBackgroundCopyGroups_Release(groups);
        assert_true(found);
        assert_hr(S_OK, IBackgroundCopyGroup_EnumJobs(o.group, 0, &jobs1));
        memset(&id, 0, sizeof(id));
        assert_hr(S_OK, IEnumBackgroundCopyJobs1_Next(jobs1, 1, &id, NULL));
        assert_true(IsEqualGUID(&id, &r.job1_id));
        assert_hr(S_FALSE, IEnumBackgroundCopyJobs1_Next(jobs1, 1, &id, NULL));
        IEnumBackgroundCopyJobs1_Release(jobs1);
    }

    /* [in] parameters: strings, VARIANTs, BSTR arrays, range arrays. */
    {
        WCHAR *s = NULL, url[3 * MAX_PATH], local[MAX_PATH];
        FILESETINFO fsi, *fsip = &fsi;
        DWORD n = 0;
        VARIANT v;

        assert_hr(S_OK, IBackgroundCopyJob_SetDescription(o.job, L"set from the parent \x263a"));
        assert_hr(S_OK, IBackgroundCopyJob_GetDescription(o.job, &s));
        assert_wstr_equal(s, L"set from the parent \x263a");
        CoTaskMemFree(s);
        bstr_variant(&v, L"renamed by the parent");
        assert_hr(S_OK, IDODownload_SetProperty(o.download, DODownloadProperty_DisplayName, &v));
        VariantClear(&v);
        assert_hr(S_OK, IDODownload_GetProperty(o.download, DODownloadProperty_DisplayName, &v));
        assert_int_equal(V_VT(&v), VT_BSTR);
        assert_wstr_equal(V_BSTR(&v), L"renamed by the parent");
        VariantClear(&v);
        swprintf(local, MAX_PATH, L"%ls\\second.bin", dir);
        fsi.bstrRemoteFile = SysAllocString(tu_file_url(url, ARRAYSIZE(url), sh->source));
        fsi.bstrLocalFile = SysAllocString(local);
        fsi.dwSizeHint = 7;
        assert_hr(S_OK, IBackgroundCopyJob1_AddFiles(o.job1, 1, &fsip));
        SysFreeString(fsi.bstrRemoteFile);
        SysFreeString(fsi.bstrLocalFile);
        assert_hr(S_OK, IBackgroundCopyJob1_GetFileCount(o.job1, &n));
        assert_int_equal(n, 2);
        memset(&fsi, 0, sizeof(fsi));
        assert_hr(S_OK, IBackgroundCopyJob1_GetFile(o.job1, 1, &fsi));
        assert_wstr_equal(fsi.bstrLocalFile, local);
        assert_int_equal(fsi.dwSizeHint, 7);
        SysFreeString(fsi.bstrRemoteFile);
        SysFreeString(fsi.bstrLocalFile);
    }

    /* One cross-process call. */
    us = median_get_state_us(o.job, 1000);
    print_message("cross-process GetState: median %.1f us of 1,000 calls\n", us);

    /* A callback of ours, called by the child when its job has transferred. */
    cb.transferred = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_hr(S_OK, IBackgroundCopyJob_SetNotifyFlags(o.job, BG_NOTIFY_JOB_TRANSFERRED));
    assert_hr(S_OK,
              IBackgroundCopyJob_SetNotifyInterface(o.job, (IUnknown *)&cb.IBackgroundCopyCallback_iface));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(o.job));
    assert_true(tu_wait_event(cb.transferred, TU_WAIT_MS));
    assert_true(cb.calls >= 1);
    assert_wstr_equal(cb.name, display_name);
    assert_true(cb.thread != 0);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(o.job));
    assert_true(tu_files_equal(sh->source, sh->dest));

    release_objects(&o);
    for (k = 0; k < 3; k++)
        IUnknown_Release(root[k]);
    SetEvent(done);
    assert_true(tu_wait_event(pi.hProcess, 60000));
    GetExitCodeProcess(pi.hProcess, &code);
    assert_int_equal(code, 0);
    /* The child dropped its proxy to our callback when it ended. */
    print_message("callback: %ld call(s), %ld reference(s) left after the child ended\n", cb.calls, cb.refs);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    CloseHandle(cb.transferred);
    UnmapViewOfFile(sh);
    CloseHandle(map);
    CloseHandle(ready);
    CloseHandle(done);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cross_apartment),
        cmocka_unit_test(test_cross_process),
    };

    if (argc == 4 && !strcmp(argv[1], "server")) {
        WCHAR dir[MAX_PATH];
        MultiByteToWideChar(CP_ACP, 0, argv[3], -1, dir, MAX_PATH);
        return child_main(strtoul(argv[2], NULL, 10), dir);
    }
    return cmocka_run_group_tests(tests, tu_group_setup, tu_group_teardown);
}
