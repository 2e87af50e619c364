/* IEnumBackgroundCopyJobs: a snapshot of the job list taken at EnumJobs. */
#include "objects.h"

#include <stdlib.h>

typedef struct bitsdo_enum_jobs {
    IEnumBackgroundCopyJobs IEnumBackgroundCopyJobs_iface;
    LONG refs;
    bitsdo_job **jobs; /* referenced */
    ULONG count;
    ULONG pos;
} bitsdo_enum_jobs;

static bitsdo_enum_jobs *impl_from_IEnumBackgroundCopyJobs(IEnumBackgroundCopyJobs *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_enum_jobs, IEnumBackgroundCopyJobs_iface);
}

static HRESULT WINAPI enum_jobs_QueryInterface(IEnumBackgroundCopyJobs *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumBackgroundCopyJobs)) {
        *out = iface;
        IEnumBackgroundCopyJobs_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_jobs_AddRef(IEnumBackgroundCopyJobs *iface)
{
    return InterlockedIncrement(&impl_from_IEnumBackgroundCopyJobs(iface)->refs);
}

static ULONG WINAPI enum_jobs_Release(IEnumBackgroundCopyJobs *iface)
{
    bitsdo_enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG refs = InterlockedDecrement(&e->refs);

    if (!refs) {
        bitsdo_job_list_free(e->jobs, e->count);
        free(e);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI enum_jobs_Next(IEnumBackgroundCopyJobs *iface, ULONG celt, IBackgroundCopyJob **items,
                                     ULONG *fetched)
{
    bitsdo_enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG n = 0;
    HRESULT hr;

    if (!items)
        return E_POINTER;
    if (celt > 1 && !fetched)
        return E_INVALIDARG;
    while (n < celt && e->pos < e->count) {
        hr = bitsdo_job_object_create(e->jobs[e->pos], &IID_IBackgroundCopyJob, (void **)&items[n]);
        if (FAILED(hr)) {
            while (n--)
                IBackgroundCopyJob_Release(items[n]);
            return hr;
        }
        e->pos++;
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_jobs_Skip(IEnumBackgroundCopyJobs *iface, ULONG celt)
{
    bitsdo_enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG left = e->count - e->pos;

    if (celt > left) {
        e->pos = e->count;
        return S_FALSE;
    }
    e->pos += celt;
    return S_OK;
}

static HRESULT WINAPI enum_jobs_Reset(IEnumBackgroundCopyJobs *iface)
{
    impl_from_IEnumBackgroundCopyJobs(iface)->pos = 0;
    return S_OK;
}

static HRESULT WINAPI enum_jobs_Clone(IEnumBackgroundCopyJobs *iface, IEnumBackgroundCopyJobs **out)
{
    bitsdo_enum_jobs *e = impl_from_IEnumBackgroundCopyJobs(iface);
    bitsdo_job **copy;
    ULONG i;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!(copy = calloc(e->count ? e->count : 1, sizeof(*copy))))
        return E_OUTOFMEMORY;
    for (i = 0; i < e->count; i++) {
        copy[i] = e->jobs[i];
        bitsdo_job_addref(copy[i]);
    }
    if (SUCCEEDED(hr = bitsdo_enum_jobs_create(copy, e->count, out)))
        impl_from_IEnumBackgroundCopyJobs(*out)->pos = e->pos;
    return hr;
}

static HRESULT WINAPI enum_jobs_GetCount(IEnumBackgroundCopyJobs *iface, ULONG *out)
{
    if (!out)
        return E_POINTER;
    *out = impl_from_IEnumBackgroundCopyJobs(iface)->count;
    return S_OK;
}

static const IEnumBackgroundCopyJobsVtbl enum_jobs_vtbl = {
    enum_jobs_QueryInterface,
    enum_jobs_AddRef,
    enum_jobs_Release,
    enum_jobs_Next,
    enum_jobs_Skip,
    enum_jobs_Reset,
    enum_jobs_Clone,
    enum_jobs_GetCount,
};

HRESULT bitsdo_enum_jobs_create(bitsdo_job **jobs, ULONG count, IEnumBackgroundCopyJobs **out)
{
    bitsdo_enum_jobs *e;

    if (!(e = calloc(1, sizeof(*e)))) {
        bitsdo_job_list_free(jobs, count);
        return E_OUTOFMEMORY;
    }
    e->IEnumBackgroundCopyJobs_iface.lpVtbl = &enum_jobs_vtbl;
    e->refs = 1;
    e->jobs = jobs;
    e->count = count;
    bitsdo_module_addref();
    *out = &e->IEnumBackgroundCopyJobs_iface;
    return S_OK;
}
