/* IBackgroundCopyManager: creates, finds and lists the jobs of the process
 * (the user's jobs, as the service would hold them). */
#include "objects.h"

#include <stdlib.h>

#include "errors.h"
#include "policy.h"

typedef struct bitsdo_manager {
    IBackgroundCopyManager IBackgroundCopyManager_iface;
    LONG refs;
} bitsdo_manager;

static bitsdo_manager *impl_from_IBackgroundCopyManager(IBackgroundCopyManager *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_manager, IBackgroundCopyManager_iface);
}

static HRESULT WINAPI manager_QueryInterface(IBackgroundCopyManager *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyManager)) {
        *out = iface;
        IBackgroundCopyManager_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI manager_AddRef(IBackgroundCopyManager *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyManager(iface)->refs);
}

static ULONG WINAPI manager_Release(IBackgroundCopyManager *iface)
{
    bitsdo_manager *manager = impl_from_IBackgroundCopyManager(iface);
    ULONG refs = InterlockedDecrement(&manager->refs);

    if (!refs) {
        free(manager);
        bitsdo_module_release();
    }
    return refs;
}

/* ctx: the owner's SID, or NULL for every user's jobs. */
static BOOL is_bits_job(bitsdo_job *job, void *ctx)
{
    return job->events == &bitsdo_bits_events && bitsdo_job_owned_by(job, ctx);
}

/* One walk of the job list counts both: every BITS job this host holds,
 * and those of `sid` (the caller). */
typedef struct job_counts {
    const WCHAR *sid;
    ULONG mine;
} job_counts;

static BOOL count_bits_job(bitsdo_job *job, void *ctx)
{
    job_counts *counts = ctx;

    if (!is_bits_job(job, NULL))
        return FALSE;
    if (bitsdo_job_owned_by(job, counts->sid))
        counts->mine++;
    return TRUE;
}

/* The MaxJobsPerMachine and MaxJobsPerUser policies (policy.h). Two
 * CreateJob calls at once may both pass at the limit: one job over it. */
static HRESULT check_job_limits(void)
{
    DWORD per_machine = bitsdo_policy_bits_limit(BITSDO_LIMIT_JOBS_PER_MACHINE);
    DWORD per_user = bitsdo_policy_bits_limit(BITSDO_LIMIT_JOBS_PER_USER);
    WCHAR *sid = bitsdo_current_user_sid();
    job_counts counts = {sid, 0};
    ULONG all;

    /* Fewer jobs of every kind than either limit: no need to count them
     * (a walk per CreateJob would make creating N jobs cost N squared). */
    if (bitsdo_job_count(NULL, NULL) < min(per_machine, per_user))
        all = 0;
    else
        all = bitsdo_job_count(count_bits_job, &counts);
    free(sid);
    if (all >= per_machine)
        return BITSDO_BG_E_TOO_MANY_JOBS_PER_MACHINE;
    if (!sid)
        return HRESULT_FROM_WIN32(ERROR_NO_TOKEN);
    return counts.mine >= per_user ? BITSDO_BG_E_TOO_MANY_JOBS_PER_USER : S_OK;
}

static HRESULT WINAPI manager_CreateJob(IBackgroundCopyManager *iface, LPCWSTR name, BG_JOB_TYPE type,
                                        GUID *id, IBackgroundCopyJob **out)
{
    bitsdo_job *job;
    HRESULT hr;

    (void)iface;
    if (!out || !id)
        return E_POINTER;
    *out = NULL;
    /* Documented: E_INVALIDARG for a NULL name and for one over 256
     * characters (SetDisplayName says BG_E_STRING_TOO_LONG instead). */
    if (!name || wcslen(name) > 256)
        return E_INVALIDARG;
    if (type == BG_JOB_TYPE_UPLOAD || type == BG_JOB_TYPE_UPLOAD_REPLY)
        return E_NOTIMPL; /* uploads are not implemented */
    if (type != BG_JOB_TYPE_DOWNLOAD)
        return E_INVALIDARG;
    if (FAILED(hr = check_job_limits()))
        return hr;
    if (FAILED(hr = bitsdo_job_create(NULL, name, type, &bitsdo_bits_events, NULL, &job)))
        return hr;
    memcpy(id, job->rec.id, sizeof(*id));
    hr = bitsdo_job_object_create(job, &IID_IBackgroundCopyJob, (void **)out);
    if (FAILED(hr))
        bitsdo_job_cancel(job);
    bitsdo_job_release(job);
    return hr;
}

static HRESULT WINAPI manager_GetJob(IBackgroundCopyManager *iface, REFGUID id, IBackgroundCopyJob **out)
{
    bitsdo_job *job;
    HRESULT hr;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!id)
        return E_INVALIDARG;
    if (FAILED(hr = bitsdo_job_find(id, &job)))
        return hr;
    hr = bitsdo_job_object_create(job, &IID_IBackgroundCopyJob, (void **)out);
    bitsdo_job_release(job);
    return hr;
}

static HRESULT WINAPI manager_EnumJobs(IBackgroundCopyManager *iface, DWORD flags,
                                       IEnumBackgroundCopyJobs **out)
{
    bitsdo_job **jobs;
    WCHAR *sid = NULL;
    ULONG count;
    HRESULT hr;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    /* Documented: the caller's own jobs; with BG_JOB_ENUM_ALL_USERS every
     * job, for administrators only. The jobs this process (or this user's
     * host) holds are all that exist here: other users' jobs live in their
     * own hosts, and a job becomes another user's only through a store
     * written under that user. */
    if (flags & ~(DWORD)BG_JOB_ENUM_ALL_USERS)
        return E_INVALIDARG;
    if (flags & BG_JOB_ENUM_ALL_USERS) {
        if (!bitsdo_caller_is_admin())
            return E_ACCESSDENIED;
    } else if (!(sid = bitsdo_current_user_sid())) {
        return HRESULT_FROM_WIN32(ERROR_NO_TOKEN);
    }
    hr = bitsdo_job_list(&jobs, &count, is_bits_job, sid);
    free(sid);
    if (FAILED(hr))
        return hr;
    return bitsdo_enum_jobs_create(jobs, count, out);
}

static HRESULT WINAPI manager_GetErrorDescription(IBackgroundCopyManager *iface, HRESULT code,
                                                  DWORD langid, LPWSTR *out)
{
    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    return bitsdo_describe_error(code, langid, out);
}

static const IBackgroundCopyManagerVtbl manager_vtbl = {
    manager_QueryInterface,
    manager_AddRef,
    manager_Release,
    manager_CreateJob,
    manager_GetJob,
    manager_EnumJobs,
    manager_GetErrorDescription,
};

HRESULT bitsdo_manager_create(REFIID riid, void **out)
{
    bitsdo_manager *manager;
    HRESULT hr;

    if (!(manager = calloc(1, sizeof(*manager))))
        return E_OUTOFMEMORY;
    manager->IBackgroundCopyManager_iface.lpVtbl = &manager_vtbl;
    manager->refs = 1;
    bitsdo_module_addref();
    hr = IBackgroundCopyManager_QueryInterface(&manager->IBackgroundCopyManager_iface, riid, out);
    IBackgroundCopyManager_Release(&manager->IBackgroundCopyManager_iface);
    return hr;
}
