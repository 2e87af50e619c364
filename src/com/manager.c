/* IBackgroundCopyManager: creates, finds and lists the jobs of the process
 * (the user's jobs, as the service would hold them). */
#include "objects.h"

#include <stdlib.h>

#include "errors.h"

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

static HRESULT WINAPI manager_CreateJob(IBackgroundCopyManager *iface, LPCWSTR name, BG_JOB_TYPE type,
                                        GUID *id, IBackgroundCopyJob **out)
{
    bitsdo_job *job;
    HRESULT hr;

    (void)iface;
    if (!out || !id)
        return E_POINTER;
    *out = NULL;
    if (!name)
        return E_INVALIDARG;
    if (wcslen(name) > 256)
        return BITSDO_BG_E_STRING_TOO_LONG;
    if (type == BG_JOB_TYPE_UPLOAD || type == BG_JOB_TYPE_UPLOAD_REPLY)
        return E_NOTIMPL; /* uploads are not implemented */
    if (type != BG_JOB_TYPE_DOWNLOAD)
        return E_INVALIDARG;
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

static BOOL is_bits_job(bitsdo_job *job, void *ctx)
{
    (void)ctx;
    return job->events == &bitsdo_bits_events;
}

static HRESULT WINAPI manager_EnumJobs(IBackgroundCopyManager *iface, DWORD flags,
                                       IEnumBackgroundCopyJobs **out)
{
    bitsdo_job **jobs;
    ULONG count;
    HRESULT hr;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    /* BG_JOB_ENUM_ALL_USERS is the only flag; this process holds only its
     * own user's jobs, so both answers are the same list. */
    if (flags & ~(DWORD)BG_JOB_ENUM_ALL_USERS)
        return E_INVALIDARG;
    if (FAILED(hr = bitsdo_job_list(&jobs, &count, is_bits_job, NULL)))
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
