/* IBackgroundCopyJob through IBackgroundCopyJob5: a COM view of an engine
 * job. Several views may exist for one job (GetJob, EnumJobs and callbacks
 * each hand out their own); all state lives in the engine job. */
#include "objects.h"

#include <stdlib.h>

#include "errors.h"
#include "job_do.h"
#include "job_http.h"
#include "jobref.h"
#include "names.h"
#include "policy.h"
#include "transport_http.h"
#include "wstr.h"

#define BITSDO_MAX_NAME_CHARS 256
#define BITSDO_MAX_DESCRIPTION_CHARS 1024
#define BITSDO_MAX_PROXY_CHARS 32767
#define BITSDO_MIN_RETRY_DELAY 5

#define VALID_NOTIFY_FLAGS                                                                   \
    (BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_DISABLE |                  \
     BG_NOTIFY_JOB_MODIFICATION | BG_NOTIFY_FILE_TRANSFERRED | BG_NOTIFY_FILE_RANGES_TRANSFERRED)

typedef struct bitsdo_job_object {
    IBackgroundCopyJob5 IBackgroundCopyJob5_iface;
    bitsdo_job_http http;       /* IBackgroundCopyJobHttpOptions */
    bitsdo_job_do dojob;        /* IDeliveryOptimizationJob, Job2 */
    bitsdo_marshal_host marshal;/* IMarshal: custom for other processes */
    LONG refs;
    bitsdo_job *job;
} bitsdo_job_object;

static bitsdo_job_object *impl_from_IBackgroundCopyJob5(IBackgroundCopyJob5 *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_job_object, IBackgroundCopyJob5_iface);
}

static bitsdo_job *job_of(IBackgroundCopyJob5 *iface)
{
    return impl_from_IBackgroundCopyJob5(iface)->job;
}

static HRESULT WINAPI job_QueryInterface(IBackgroundCopyJob5 *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyJob) ||
        IsEqualIID(riid, &IID_IBackgroundCopyJob2) || IsEqualIID(riid, &IID_IBackgroundCopyJob3) ||
        IsEqualIID(riid, &IID_IBackgroundCopyJob4) || IsEqualIID(riid, &IID_IBackgroundCopyJob5)) {
        *out = iface;
        IBackgroundCopyJob5_AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IBackgroundCopyJobHttpOptions)) {
        *out = &impl_from_IBackgroundCopyJob5(iface)->http.IBackgroundCopyJobHttpOptions_iface;
        IBackgroundCopyJob5_AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IDeliveryOptimizationJob)) {
        *out = &impl_from_IBackgroundCopyJob5(iface)->dojob.IDeliveryOptimizationJob_iface;
        IBackgroundCopyJob5_AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IDeliveryOptimizationJob2)) {
        *out = &impl_from_IBackgroundCopyJob5(iface)->dojob.IDeliveryOptimizationJob2_iface;
        IBackgroundCopyJob5_AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IMarshal) && bitsdo_marshal_host_wanted(&impl_from_IBackgroundCopyJob5(iface)->marshal)) {
        *out = &impl_from_IBackgroundCopyJob5(iface)->marshal.IMarshal_iface;
        IBackgroundCopyJob5_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI job_AddRef(IBackgroundCopyJob5 *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyJob5(iface)->refs);
}

static ULONG WINAPI job_Release(IBackgroundCopyJob5 *iface)
{
    bitsdo_job_object *object = impl_from_IBackgroundCopyJob5(iface);
    ULONG refs = InterlockedDecrement(&object->refs);

    if (!refs) {
        bitsdo_job_release(object->job);
        free(object);
        bitsdo_module_release();
    }
    return refs;
}

/* --- small helpers shared by the property methods ----------------------- */

/* The getters answer a NULL out-pointer with E_INVALIDARG: what BITS
 * documents for GetDisplayName, GetDescription, GetPriority, GetNotifyFlags
 * and GetNotifyInterface ("cannot be NULL", "must pass the address of"). */
static HRESULT get_wstr(bitsdo_job *job, const bitsdo_wchar *const *field, LPWSTR *out)
{
    HRESULT hr;

    if (!out)
        return E_INVALIDARG;
    AcquireSRWLockShared(&job->lock);
    hr = bitsdo_co_strdup((const WCHAR *)*field, out);
    ReleaseSRWLockShared(&job->lock);
    return hr;
}

static HRESULT set_wstr(bitsdo_job *job, bitsdo_wchar **field, const WCHAR *value, size_t max)
{
    HRESULT hr;

    if (!value)
        return E_INVALIDARG;
    if (wcslen(value) > max)
        return BITSDO_BG_E_STRING_TOO_LONG;
    if (FAILED(hr = bitsdo_job_modify_begin(job)))
        return hr;
    hr = bitsdo_set_wstr(field, (const bitsdo_wchar *)value);
    bitsdo_job_modify_end(job, SUCCEEDED(hr));
    return hr;
}

static HRESULT set_u32(bitsdo_job *job, uint32_t *field, uint32_t value)
{
    HRESULT hr;

    if (FAILED(hr = bitsdo_job_modify_begin(job)))
        return hr;
    *field = value;
    bitsdo_job_modify_end(job, TRUE);
    return S_OK;
}

static HRESULT get_u32(bitsdo_job *job, const uint32_t *field, ULONG *out)
{
    if (!out)
        return E_INVALIDARG;
    AcquireSRWLockShared(&job->lock);
    *out = *field;
    ReleaseSRWLockShared(&job->lock);
    return S_OK;
}

/* --- IBackgroundCopyJob ------------------------------------------------- */

static HRESULT WINAPI job_AddFileSet(IBackgroundCopyJob5 *iface, ULONG count, BG_FILE_INFO *files)
{
    bitsdo_job *job = job_of(iface);
    DWORD max_files;
    ULONG i;
    HRESULT hr;

    if (!files)
        return E_INVALIDARG;
    if (!count)
        return S_OK;
    /* All or nothing: validate every pair before adding any. */
    for (i = 0; i < count; i++)
        if (FAILED(hr = bitsdo_job_check_names(files[i].RemoteName, files[i].LocalName)))
            return hr;
    max_files = bitsdo_policy_bits_limit(BITSDO_LIMIT_FILES_PER_JOB);
    AcquireSRWLockShared(&job->lock);
    hr = job->rec.file_count + count > max_files ? BITSDO_BG_E_TOO_MANY_FILES_IN_JOB : S_OK;
    ReleaseSRWLockShared(&job->lock);
    if (FAILED(hr))
        return hr;
    /* No two files to one final file (in the set or with the job's). */
    {
        const WCHAR **locals = malloc(count * sizeof(*locals));
        if (!locals)
            return E_OUTOFMEMORY;
        for (i = 0; i < count; i++)
            locals[i] = files[i].LocalName;
        hr = bitsdo_job_check_new_locals(job, locals, count);
        free(locals);
        if (FAILED(hr))
            return hr;
    }
    for (i = 0; i < count; i++)
        if (FAILED(hr = bitsdo_job_add_checked_file(
                       job, files[i].RemoteName, files[i].LocalName, NULL, 0, max_files)))
            return hr;
    return S_OK;
}

static HRESULT WINAPI job_AddFile(IBackgroundCopyJob5 *iface, LPCWSTR remote, LPCWSTR local)
{
    HRESULT hr;

    if (FAILED(hr = bitsdo_job_check_names(remote, local)) ||
        FAILED(hr = bitsdo_job_check_new_locals(job_of(iface), &local, 1)))
        return hr;
    return bitsdo_job_add_file(job_of(iface), remote, local, NULL, 0);
}

static HRESULT WINAPI job_EnumFiles(IBackgroundCopyJob5 *iface, IEnumBackgroundCopyFiles **out)
{
    if (!out)
        return E_POINTER;
    *out = NULL;
    return bitsdo_enum_files_create(job_of(iface), out);
}

static HRESULT WINAPI job_Suspend(IBackgroundCopyJob5 *iface)
{
    return bitsdo_job_suspend(job_of(iface));
}

static HRESULT WINAPI job_Resume(IBackgroundCopyJob5 *iface)
{
    return bitsdo_job_resume(job_of(iface));
}

static HRESULT WINAPI job_Cancel(IBackgroundCopyJob5 *iface)
{
    HRESULT hr = bitsdo_job_cancel(job_of(iface));

    if (SUCCEEDED(hr)) /* final: let go of the callback (it may hold this job) */
        bitsdo_job_set_notify(job_of(iface), NULL, &IID_IBackgroundCopyCallback);
    return hr;
}

static HRESULT WINAPI job_Complete(IBackgroundCopyJob5 *iface)
{
    HRESULT hr = bitsdo_job_complete(job_of(iface));

    if (SUCCEEDED(hr)) /* final: let go of the callback (it may hold this job) */
        bitsdo_job_set_notify(job_of(iface), NULL, &IID_IBackgroundCopyCallback);
    return hr;
}

static HRESULT WINAPI job_GetId(IBackgroundCopyJob5 *iface, GUID *out)
{
    if (!out)
        return E_POINTER;
    memcpy(out, job_of(iface)->rec.id, sizeof(*out));
    return S_OK;
}

static HRESULT WINAPI job_GetType(IBackgroundCopyJob5 *iface, BG_JOB_TYPE *out)
{
    if (!out)
        return E_POINTER;
    *out = (BG_JOB_TYPE)job_of(iface)->rec.type;
    return S_OK;
}

static HRESULT WINAPI job_GetProgress(IBackgroundCopyJob5 *iface, BG_JOB_PROGRESS *out)
{
    bitsdo_progress p;

    if (!out)
        return E_POINTER;
    bitsdo_counters_read(&job_of(iface)->rec.counters, &p);
    out->BytesTotal = p.bytes_total;
    out->BytesTransferred = p.bytes_transferred;
    out->FilesTotal = p.files_total;
    out->FilesTransferred = p.files_transferred;
    return S_OK;
}

static void to_filetime(bitsdo_filetime t, FILETIME *ft)
{
    ft->dwLowDateTime = (DWORD)t;
    ft->dwHighDateTime = (DWORD)(t >> 32);
}

static HRESULT WINAPI job_GetTimes(IBackgroundCopyJob5 *iface, BG_JOB_TIMES *out)
{
    bitsdo_job *job = job_of(iface);

    if (!out)
        return E_POINTER;
    AcquireSRWLockShared(&job->lock);
    to_filetime(job->rec.created, &out->CreationTime);
    to_filetime(job->rec.modified, &out->ModificationTime);
    to_filetime(job->rec.transfer_completed, &out->TransferCompletionTime);
    ReleaseSRWLockShared(&job->lock);
    return S_OK;
}

static HRESULT WINAPI job_GetState(IBackgroundCopyJob5 *iface, BG_JOB_STATE *out)
{
    bitsdo_job *job = job_of(iface);

    if (!out)
        return E_POINTER;
    AcquireSRWLockShared(&job->lock);
    *out = (BG_JOB_STATE)job->rec.state;
    ReleaseSRWLockShared(&job->lock);
    return S_OK;
}

static HRESULT WINAPI job_GetError(IBackgroundCopyJob5 *iface, IBackgroundCopyError **out)
{
    if (!out)
        return E_POINTER;
    *out = NULL;
    return bitsdo_error_object_create(job_of(iface), out);
}

static HRESULT WINAPI job_GetOwner(IBackgroundCopyJob5 *iface, LPWSTR *out)
{
    bitsdo_job *job = job_of(iface);
    return get_wstr(job, (const bitsdo_wchar *const *)&job->rec.owner_sid, out);
}

static HRESULT WINAPI job_SetDisplayName(IBackgroundCopyJob5 *iface, LPCWSTR value)
{
    bitsdo_job *job = job_of(iface);
    return set_wstr(job, &job->rec.display_name, value, BITSDO_MAX_NAME_CHARS);
}

static HRESULT WINAPI job_GetDisplayName(IBackgroundCopyJob5 *iface, LPWSTR *out)
{
    bitsdo_job *job = job_of(iface);
    return get_wstr(job, (const bitsdo_wchar *const *)&job->rec.display_name, out);
}

static HRESULT WINAPI job_SetDescription(IBackgroundCopyJob5 *iface, LPCWSTR value)
{
    bitsdo_job *job = job_of(iface);
    return set_wstr(job, &job->rec.description, value, BITSDO_MAX_DESCRIPTION_CHARS);
}

static HRESULT WINAPI job_GetDescription(IBackgroundCopyJob5 *iface, LPWSTR *out)
{
    bitsdo_job *job = job_of(iface);
    return get_wstr(job, (const bitsdo_wchar *const *)&job->rec.description, out);
}

static HRESULT WINAPI job_SetPriority(IBackgroundCopyJob5 *iface, BG_JOB_PRIORITY value)
{
    bitsdo_job *job = job_of(iface);

    if ((unsigned)value > BG_JOB_PRIORITY_LOW)
        return E_NOTIMPL; /* as BITS answers an unknown priority */
    return set_u32(job, &job->rec.priority, value);
}

static HRESULT WINAPI job_GetPriority(IBackgroundCopyJob5 *iface, BG_JOB_PRIORITY *out)
{
    bitsdo_job *job = job_of(iface);
    return get_u32(job, &job->rec.priority, (ULONG *)out);
}

static HRESULT WINAPI job_SetNotifyFlags(IBackgroundCopyJob5 *iface, ULONG value)
{
    bitsdo_job *job = job_of(iface);

    if (value & ~(ULONG)VALID_NOTIFY_FLAGS)
        return E_NOTIMPL;
    return set_u32(job, &job->rec.notify_flags, value);
}

static HRESULT WINAPI job_GetNotifyFlags(IBackgroundCopyJob5 *iface, ULONG *out)
{
    bitsdo_job *job = job_of(iface);
    return get_u32(job, &job->rec.notify_flags, out);
}

static HRESULT WINAPI job_SetNotifyInterface(IBackgroundCopyJob5 *iface, IUnknown *value)
{
    bitsdo_job *job = job_of(iface);
    IBackgroundCopyCallback *callback = NULL;
    HRESULT hr;

    /* The object must be a callback; keep the interface we will call. */
    if (value && FAILED(IUnknown_QueryInterface(value, &IID_IBackgroundCopyCallback,
                                                (void **)&callback)))
        return E_INVALIDARG;
    if (FAILED(hr = bitsdo_job_modify_begin(job))) {
        if (callback)
            IBackgroundCopyCallback_Release(callback);
        return hr;
    }
    bitsdo_job_modify_end(job, FALSE);
    hr = bitsdo_job_set_notify(job, (IUnknown *)callback, &IID_IBackgroundCopyCallback);
    if (callback)
        IBackgroundCopyCallback_Release(callback);
    return hr;
}

static HRESULT WINAPI job_GetNotifyInterface(IBackgroundCopyJob5 *iface, IUnknown **out)
{
    if (!out)
        return E_INVALIDARG; /* documented */
    /* The object itself in the apartment that set it, a proxy elsewhere. */
    return bitsdo_job_get_notify_interface(job_of(iface), &IID_IBackgroundCopyCallback, (void **)out);
}

static HRESULT WINAPI job_SetMinimumRetryDelay(IBackgroundCopyJob5 *iface, ULONG seconds)
{
    bitsdo_job *job = job_of(iface);
    HRESULT hr;

    if (seconds < BITSDO_MIN_RETRY_DELAY)
        seconds = BITSDO_MIN_RETRY_DELAY;
    if (SUCCEEDED(hr = set_u32(job, &job->rec.min_retry_delay, seconds)))
        bitsdo_job_wake(job);
    return hr;
}

static HRESULT WINAPI job_GetMinimumRetryDelay(IBackgroundCopyJob5 *iface, ULONG *out)
{
    bitsdo_job *job = job_of(iface);
    return get_u32(job, &job->rec.min_retry_delay, out);
}

static HRESULT WINAPI job_SetNoProgressTimeout(IBackgroundCopyJob5 *iface, ULONG seconds)
{
    bitsdo_job *job = job_of(iface);
    HRESULT hr;

    if (SUCCEEDED(hr = set_u32(job, &job->rec.no_progress_timeout, seconds)))
        bitsdo_job_wake(job);
    return hr;
}

static HRESULT WINAPI job_GetNoProgressTimeout(IBackgroundCopyJob5 *iface, ULONG *out)
{
    bitsdo_job *job = job_of(iface);
    return get_u32(job, &job->rec.no_progress_timeout, out);
}

static HRESULT WINAPI job_GetErrorCount(IBackgroundCopyJob5 *iface, ULONG *out)
{
    bitsdo_job *job = job_of(iface);
    return get_u32(job, &job->rec.error_count, out);
}

static HRESULT WINAPI job_SetProxySettings(IBackgroundCopyJob5 *iface, BG_JOB_PROXY_USAGE usage,
                                           const WCHAR *list, const WCHAR *bypass)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_wchar *new_list = NULL, *new_bypass = NULL;
    HRESULT hr;

    switch (usage) {
    case BG_JOB_PROXY_USAGE_PRECONFIG:
    case BG_JOB_PROXY_USAGE_NO_PROXY:
    case BG_JOB_PROXY_USAGE_AUTODETECT:
        /* No list may come with these. */
        if ((list && *list) || (bypass && *bypass))
            return E_INVALIDARG;
        break;
    case BG_JOB_PROXY_USAGE_OVERRIDE:
        if (!list || !*list)
            return E_INVALIDARG;
        if (wcslen(list) > BITSDO_MAX_PROXY_CHARS)
            return BITSDO_BG_E_PROXY_LIST_TOO_LARGE;
        if (bypass && wcslen(bypass) > BITSDO_MAX_PROXY_CHARS)
            return BITSDO_BG_E_PROXY_BYPASS_LIST_TOO_LARGE;
        /* Host names and ports only: a control character (CR, LF) could end
         * a line of the request that names the proxy. */
        if (bitsdo_wcs_has_control((const bitsdo_wchar *)list) ||
            bitsdo_wcs_has_control((const bitsdo_wchar *)bypass))
            return E_INVALIDARG;
        if (!(new_list = bitsdo_wcsdup((const bitsdo_wchar *)list)) ||
            (bypass && !(new_bypass = bitsdo_wcsdup((const bitsdo_wchar *)bypass)))) {
            free(new_list);
            return E_OUTOFMEMORY;
        }
        break;
    default:
        return E_NOTIMPL; /* documented: not a BG_JOB_PROXY_USAGE value */
    }
    if (FAILED(hr = bitsdo_job_modify_begin(job))) {
        free(new_list);
        free(new_bypass);
        return hr;
    }
    free(job->rec.proxy_list);
    free(job->rec.proxy_bypass);
    job->rec.proxy_usage = usage;
    job->rec.proxy_list = new_list;
    job->rec.proxy_bypass = new_bypass;
    bitsdo_job_modify_end(job, TRUE);
    return S_OK;
}

static HRESULT WINAPI job_GetProxySettings(IBackgroundCopyJob5 *iface, BG_JOB_PROXY_USAGE *usage,
                                           LPWSTR *list, LPWSTR *bypass)
{
    bitsdo_job *job = job_of(iface);
    HRESULT hr;

    if (!usage || !list || !bypass)
        return E_INVALIDARG; /* documented: "one or more of the parameters is NULL" */
    *list = *bypass = NULL;
    AcquireSRWLockShared(&job->lock);
    *usage = (BG_JOB_PROXY_USAGE)job->rec.proxy_usage;
    hr = bitsdo_co_strdup((const WCHAR *)job->rec.proxy_list, list);
    if (SUCCEEDED(hr))
        hr = bitsdo_co_strdup((const WCHAR *)job->rec.proxy_bypass, bypass);
    ReleaseSRWLockShared(&job->lock);
    if (FAILED(hr)) {
        CoTaskMemFree(*list);
        *list = NULL;
    }
    return hr;
}

static HRESULT WINAPI job_TakeOwnership(IBackgroundCopyJob5 *iface)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_wchar *sid = (bitsdo_wchar *)bitsdo_current_user_sid();
    HRESULT hr;

    if (!sid)
        return HRESULT_FROM_WIN32(ERROR_NO_TOKEN);
    if (FAILED(hr = bitsdo_job_modify_begin(job))) {
        free(sid);
        return hr;
    }
    free(job->rec.owner_sid);
    job->rec.owner_sid = sid;
    bitsdo_job_modify_end(job, TRUE);
    /* Documented: the previous owner's credentials do not pass to the new one. */
    bitsdo_http_forget_credentials((const GUID *)job->rec.id);
    return S_OK;
}

/* --- IBackgroundCopyJob2 ------------------------------------------------ */

static HRESULT WINAPI job_SetNotifyCmdLine(IBackgroundCopyJob5 *iface, LPCWSTR program, LPCWSTR params)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_wchar *new_program = NULL, *new_params = NULL;
    HRESULT hr;

    /* Documented limits: MAX_PATH for the program, 4,000 characters for
     * the parameters (each without the terminator). */
    if ((program && wcslen(program) > MAX_PATH) || (params && wcslen(params) > 4000))
        return BITSDO_BG_E_STRING_TOO_LONG;
    if (!program && params)
        return E_INVALIDARG;
    if ((program && !(new_program = bitsdo_wcsdup((const bitsdo_wchar *)program))) ||
        (params && !(new_params = bitsdo_wcsdup((const bitsdo_wchar *)params)))) {
        free(new_program);
        return E_OUTOFMEMORY;
    }
    if (FAILED(hr = bitsdo_job_modify_begin(job))) {
        free(new_program);
        free(new_params);
        return hr;
    }
    free(job->rec.notify_program);
    free(job->rec.notify_parameters);
    job->rec.notify_program = new_program;
    job->rec.notify_parameters = new_params;
    bitsdo_job_modify_end(job, TRUE);
    return S_OK;
}

static HRESULT WINAPI job_GetNotifyCmdLine(IBackgroundCopyJob5 *iface, LPWSTR *program, LPWSTR *params)
{
    bitsdo_job *job = job_of(iface);
    HRESULT hr;

    if (!program || !params)
        return E_POINTER;
    *program = *params = NULL;
    AcquireSRWLockShared(&job->lock);
    hr = bitsdo_co_strdup((const WCHAR *)job->rec.notify_program, program);
    if (SUCCEEDED(hr))
        hr = bitsdo_co_strdup((const WCHAR *)job->rec.notify_parameters, params);
    ReleaseSRWLockShared(&job->lock);
    if (FAILED(hr)) {
        CoTaskMemFree(*program);
        *program = NULL;
    }
    return hr;
}

/* Reply data exists only for upload-reply jobs, which this DLL cannot
 * create: a download job answers as BITS does for one. */
static HRESULT WINAPI job_GetReplyProgress(IBackgroundCopyJob5 *iface, BG_JOB_REPLY_PROGRESS *out)
{
    (void)iface;
    if (!out)
        return E_POINTER;
    return BITSDO_BG_E_INVALID_STATE;
}

static HRESULT WINAPI job_GetReplyData(IBackgroundCopyJob5 *iface, byte **buffer, UINT64 *length)
{
    (void)iface;
    if (!buffer || !length)
        return E_POINTER;
    *buffer = NULL;
    *length = 0;
    return BITSDO_BG_E_INVALID_STATE;
}

static HRESULT WINAPI job_SetReplyFileName(IBackgroundCopyJob5 *iface, LPCWSTR name)
{
    (void)iface;
    (void)name;
    return BITSDO_BG_E_INVALID_STATE;
}

static HRESULT WINAPI job_GetReplyFileName(IBackgroundCopyJob5 *iface, LPWSTR *out)
{
    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    return BITSDO_BG_E_INVALID_STATE;
}

/* Credentials live in the HTTP transport's memory only, never in the job
 * record (which may be written to disk). */
static HRESULT WINAPI job_SetCredentials(IBackgroundCopyJob5 *iface, BG_AUTH_CREDENTIALS *cred)
{
    return bitsdo_http_set_credentials(job_of(iface), cred);
}

static HRESULT WINAPI job_RemoveCredentials(IBackgroundCopyJob5 *iface, BG_AUTH_TARGET target,
                                            BG_AUTH_SCHEME scheme)
{
    return bitsdo_http_remove_credentials(job_of(iface), target, scheme);
}

/* --- IBackgroundCopyJob3 ------------------------------------------------ */

/* The documented search is case-sensitive. */
static int prefix_matches(const WCHAR *s, const WCHAR *prefix)
{
    return wcsncmp(s, prefix, wcslen(prefix)) == 0;
}

static HRESULT WINAPI job_ReplaceRemotePrefix(IBackgroundCopyJob5 *iface, LPCWSTR old_prefix,
                                              LPCWSTR new_prefix)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_remote_kind kind;
    WCHAR **renamed;
    uint32_t i, count;
    size_t old_len;
    HRESULT hr = S_OK;

    if (!old_prefix || !new_prefix || !*old_prefix || !*new_prefix)
        return E_INVALIDARG;
    old_len = wcslen(old_prefix);
    if (FAILED(hr = bitsdo_job_modify_begin(job)))
        return hr;
    count = job->rec.file_count;
    if (!(renamed = calloc(count ? count : 1, sizeof(*renamed)))) {
        bitsdo_job_modify_end(job, FALSE);
        return E_OUTOFMEMORY;
    }
    /* Build and check every new name first; change nothing on failure. */
    for (i = 0; i < count && SUCCEEDED(hr); i++) {
        const WCHAR *name = (const WCHAR *)job->rec.files[i]->remote_name;
        size_t len;
        if (!prefix_matches(name, old_prefix))
            continue;
        len = wcslen(new_prefix) + wcslen(name + old_len) + 1;
        if (!(renamed[i] = malloc(len * sizeof(WCHAR)))) {
            hr = E_OUTOFMEMORY;
            break;
        }
        wcscpy(renamed[i], new_prefix);
        wcscat(renamed[i], name + old_len);
        hr = bitsdo_remote_classify((const bitsdo_wchar *)renamed[i], &kind);
    }
    if (SUCCEEDED(hr)) {
        hr = S_FALSE; /* documented: no remote name had the prefix */
        for (i = 0; i < count; i++) {
            if (!renamed[i])
                continue;
            hr = S_OK;
            free(job->rec.files[i]->remote_name);
            job->rec.files[i]->remote_name = (bitsdo_wchar *)renamed[i];
            renamed[i] = NULL;
        }
    }
    for (i = 0; i < count; i++)
        free(renamed[i]);
    free(renamed);
    bitsdo_job_modify_end(job, hr == S_OK);
    return hr;
}

/* Ranged downloads belong to the Delivery Optimization work; until the
 * transports write ranges, this says so. */
HRESULT bitsdo_job_add_file_ranges(bitsdo_job *job, LPCWSTR remote, LPCWSTR local, DWORD count,
                                   const BG_FILE_RANGE *ranges)
{
    bitsdo_range *copy;
    DWORD type, i;
    HRESULT hr;

    if (!remote || !local || !count || !ranges)
        return E_INVALIDARG;
    AcquireSRWLockShared(&job->lock);
    type = job->rec.type;
    ReleaseSRWLockShared(&job->lock);
    if (type != BG_JOB_TYPE_DOWNLOAD)
        return E_NOTIMPL; /* ranges are for download jobs only */
    if (count > bitsdo_policy_bits_limit(BITSDO_LIMIT_RANGES_PER_FILE))
        return BITSDO_BG_E_TOO_MANY_RANGES_IN_FILE;
    if (!(copy = malloc(count * sizeof(*copy))))
        return E_OUTOFMEMORY;
    for (i = 0; i < count; i++) {
        copy[i].offset = ranges[i].InitialOffset;
        copy[i].length = ranges[i].Length;
    }
    /* Written to the local file one after the other in the order given
     * (fetch.h); the total is the sum of the lengths. */
    hr = bitsdo_job_add_file(job, remote, local, copy, count);
    free(copy);
    return hr;
}

static HRESULT WINAPI job_AddFileWithRanges(IBackgroundCopyJob5 *iface, LPCWSTR remote, LPCWSTR local,
                                            DWORD count, BG_FILE_RANGE ranges[])
{
    bitsdo_range *copy;
    DWORD i;
    HRESULT hr;

    /* The names and the ranges first (their documented codes), then that
     * no other file of the job goes to the same final file. */
    if (!remote || !local || !count || !ranges)
        return E_INVALIDARG;
    if (FAILED(hr = bitsdo_job_check_names(remote, local)))
        return hr;
    if (count <= bitsdo_policy_bits_limit(BITSDO_LIMIT_RANGES_PER_FILE)) {
        if (!(copy = malloc(count * sizeof(*copy))))
            return E_OUTOFMEMORY;
        for (i = 0; i < count; i++) {
            copy[i].offset = ranges[i].InitialOffset;
            copy[i].length = ranges[i].Length;
        }
        hr = bitsdo_ranges_check(copy, count);
        free(copy);
        if (FAILED(hr))
            return hr;
    }
    if (FAILED(hr = bitsdo_job_check_new_locals(job_of(iface), &local, 1)))
        return hr;
    return bitsdo_job_add_file_ranges(job_of(iface), remote, local, count, ranges);
}

#define VALID_ACL_FLAGS (BG_COPY_FILE_OWNER | BG_COPY_FILE_GROUP | BG_COPY_FILE_DACL | BG_COPY_FILE_SACL)

/* ACLs of a remote file are copied only from SMB sources by BITS; our file
 * transport does not copy them, so only "copy nothing" is honoured. */
static HRESULT WINAPI job_SetFileACLFlags(IBackgroundCopyJob5 *iface, DWORD flags)
{
    bitsdo_job *job = job_of(iface);

    if (flags & ~(DWORD)VALID_ACL_FLAGS)
        return E_INVALIDARG;
    if (flags)
        return E_NOTIMPL;
    return set_u32(job, &job->rec.file_acl_flags, flags);
}

static HRESULT WINAPI job_GetFileACLFlags(IBackgroundCopyJob5 *iface, DWORD *out)
{
    bitsdo_job *job = job_of(iface);
    return get_u32(job, &job->rec.file_acl_flags, (ULONG *)out);
}

/* --- IBackgroundCopyJob4 ------------------------------------------------ */

#define VALID_PEER_FLAGS (BG_JOB_ENABLE_PEERCACHING_CLIENT | BG_JOB_ENABLE_PEERCACHING_SERVER | \
                          BG_JOB_DISABLE_BRANCH_CACHE)

/* There are no peers here: the flags are kept and reported, and every byte
 * comes from the origin server, which is what the flags allow anyway. */
static HRESULT WINAPI job_SetPeerCachingFlags(IBackgroundCopyJob5 *iface, DWORD flags)
{
    bitsdo_job *job = job_of(iface);

    if (flags & ~(DWORD)VALID_PEER_FLAGS)
        return E_INVALIDARG;
    return set_u32(job, &job->rec.peer_caching_flags, flags);
}

static HRESULT WINAPI job_GetPeerCachingFlags(IBackgroundCopyJob5 *iface, DWORD *out)
{
    bitsdo_job *job = job_of(iface);
    return get_u32(job, &job->rec.peer_caching_flags, (ULONG *)out);
}

static HRESULT WINAPI job_GetOwnerIntegrityLevel(IBackgroundCopyJob5 *iface, ULONG *out)
{
    HANDLE token;
    BYTE buf[64];
    TOKEN_MANDATORY_LABEL *label = (TOKEN_MANDATORY_LABEL *)buf;
    DWORD len;
    PUCHAR count;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = SECURITY_MANDATORY_MEDIUM_RID;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return S_OK;
    if (GetTokenInformation(token, TokenIntegrityLevel, buf, sizeof(buf), &len) &&
        (count = GetSidSubAuthorityCount(label->Label.Sid)) && *count)
        *out = *GetSidSubAuthority(label->Label.Sid, *count - 1);
    CloseHandle(token);
    return S_OK;
}

static HRESULT WINAPI job_GetOwnerElevationState(IBackgroundCopyJob5 *iface, BOOL *out)
{
    HANDLE token;
    TOKEN_ELEVATION elevation = {0};
    DWORD len;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = FALSE;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        if (GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &len))
            *out = elevation.TokenIsElevated != 0;
        CloseHandle(token);
    }
    return S_OK;
}

/* The limit is kept and reported; enforcing it belongs with the retry
 * timers of the HTTP work, so a non-zero limit is refused until then. */
static HRESULT WINAPI job_SetMaximumDownloadTime(IBackgroundCopyJob5 *iface, ULONG seconds)
{
    bitsdo_job *job = job_of(iface);

    if (seconds)
        return E_NOTIMPL;
    return set_u32(job, &job->rec.max_download_time, seconds);
}

static HRESULT WINAPI job_GetMaximumDownloadTime(IBackgroundCopyJob5 *iface, ULONG *out)
{
    bitsdo_job *job = job_of(iface);
    return get_u32(job, &job->rec.max_download_time, out);
}

/* --- IBackgroundCopyJob5 ------------------------------------------------ */

static HRESULT WINAPI job_SetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID id,
                                      BITS_JOB_PROPERTY_VALUE value)
{
    bitsdo_job *job = job_of(iface);
    HRESULT hr;

    switch (id) {
    case BITS_JOB_PROPERTY_ID_COST_FLAGS:
        /* No cost data on this machine: every network counts as unrestricted,
         * which every cost flag allows. The flags are kept and reported. */
        return set_u32(job, &job->rec.cost_flags, value.Dword);
    case BITS_JOB_PROPERTY_DYNAMIC_CONTENT:
        return set_u32(job, &job->rec.dynamic_content, value.Enable ? 1 : 0);
    case BITS_JOB_PROPERTY_HIGH_PERFORMANCE:
        return set_u32(job, &job->rec.high_performance, value.Enable ? 1 : 0);
    case BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS:
        return set_u32(job, &job->rec.min_notify_interval_ms, value.Dword);
    case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE:
        /* 0 (no limit) is what every transfer here does; a real limit is
         * not enforced yet, so it is refused rather than ignored. */
        if (value.Uint64)
            return E_NOTIMPL;
        if (FAILED(hr = bitsdo_job_modify_begin(job)))
            return hr;
        job->rec.max_download_size = 0;
        bitsdo_job_modify_end(job, TRUE);
        return S_OK;
    case BITS_JOB_PROPERTY_NOTIFICATION_CLSID:
    case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS:
    case BITS_JOB_PROPERTY_ON_DEMAND_MODE:
        return E_NOTIMPL;
    default:
        return E_INVALIDARG;
    }
}

static HRESULT WINAPI job_GetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID id,
                                      BITS_JOB_PROPERTY_VALUE *out)
{
    bitsdo_job *job = job_of(iface);
    HRESULT hr = S_OK;

    if (!out)
        return E_POINTER;
    AcquireSRWLockShared(&job->lock);
    switch (id) {
    case BITS_JOB_PROPERTY_ID_COST_FLAGS:
        out->Dword = job->rec.cost_flags;
        break;
    case BITS_JOB_PROPERTY_DYNAMIC_CONTENT:
        out->Enable = job->rec.dynamic_content;
        break;
    case BITS_JOB_PROPERTY_HIGH_PERFORMANCE:
        out->Enable = job->rec.high_performance;
        break;
    case BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS:
        out->Dword = job->rec.min_notify_interval_ms;
        break;
    case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE:
        out->Uint64 = job->rec.max_download_size;
        break;
    case BITS_JOB_PROPERTY_NOTIFICATION_CLSID:
    case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS:
    case BITS_JOB_PROPERTY_ON_DEMAND_MODE:
        hr = E_NOTIMPL;
        break;
    default:
        hr = E_INVALIDARG;
    }
    ReleaseSRWLockShared(&job->lock);
    return hr;
}

static const IBackgroundCopyJob5Vtbl job_vtbl = {
    job_QueryInterface,
    job_AddRef,
    job_Release,
    job_AddFileSet,
    job_AddFile,
    job_EnumFiles,
    job_Suspend,
    job_Resume,
    job_Cancel,
    job_Complete,
    job_GetId,
    job_GetType,
    job_GetProgress,
    job_GetTimes,
    job_GetState,
    job_GetError,
    job_GetOwner,
    job_SetDisplayName,
    job_GetDisplayName,
    job_SetDescription,
    job_GetDescription,
    job_SetPriority,
    job_GetPriority,
    job_SetNotifyFlags,
    job_GetNotifyFlags,
    job_SetNotifyInterface,
    job_GetNotifyInterface,
    job_SetMinimumRetryDelay,
    job_GetMinimumRetryDelay,
    job_SetNoProgressTimeout,
    job_GetNoProgressTimeout,
    job_GetErrorCount,
    job_SetProxySettings,
    job_GetProxySettings,
    job_TakeOwnership,
    job_SetNotifyCmdLine,
    job_GetNotifyCmdLine,
    job_GetReplyProgress,
    job_GetReplyData,
    job_SetReplyFileName,
    job_GetReplyFileName,
    job_SetCredentials,
    job_RemoveCredentials,
    job_ReplaceRemotePrefix,
    job_AddFileWithRanges,
    job_SetFileACLFlags,
    job_GetFileACLFlags,
    job_SetPeerCachingFlags,
    job_GetPeerCachingFlags,
    job_GetOwnerIntegrityLevel,
    job_GetOwnerElevationState,
    job_SetMaximumDownloadTime,
    job_GetMaximumDownloadTime,
    job_SetProperty,
    job_GetProperty,
};

HRESULT bitsdo_job_object_create(bitsdo_job *job, REFIID riid, void **out)
{
    bitsdo_job_object *object;
    HRESULT hr;

    if (!(object = calloc(1, sizeof(*object))))
        return E_OUTOFMEMORY;
    object->IBackgroundCopyJob5_iface.lpVtbl = &job_vtbl;
    object->refs = 1;
    object->job = job;
    bitsdo_job_http_init(&object->http, (IUnknown *)&object->IBackgroundCopyJob5_iface, job);
    bitsdo_job_do_init(&object->dojob, (IUnknown *)&object->IBackgroundCopyJob5_iface, job);
    bitsdo_marshal_host_init(&object->marshal, (IUnknown *)&object->IBackgroundCopyJob5_iface, job,
                             BITSDO_FACADE_BITS_JOB);
    bitsdo_job_addref(job);
    bitsdo_module_addref();
    hr = IBackgroundCopyJob5_QueryInterface(&object->IBackgroundCopyJob5_iface, riid, out);
    IBackgroundCopyJob5_Release(&object->IBackgroundCopyJob5_iface);
    return hr;
}
