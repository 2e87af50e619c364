/* IDOManager: the Delivery Optimization manager. Creates downloads (engine
 * jobs carrying the DO events) and lists the caller's downloads, never the
 * BITS-style jobs that share the engine.
 *
 * In the host it marshals itself to other processes as a client object
 * (marshal_host.c, job_client.c; facade BITSDO_FACADE_DO_MANAGER): a real
 * DO client calls CoSetProxyBlanket on the manager and gives up if that
 * fails, which it does on Wine's plain proxies (E_NOTIMPL); the client
 * object answers IClientSecurity. */
#include "objects.h"
#include "jobref.h"

#include "errors.h"

#include <stdlib.h>

typedef struct bitsdo_domanager {
    IDOManager IDOManager_iface;
    LONG refs;
    bitsdo_marshal_host marshal; /* IMarshal, in the host only */
} bitsdo_domanager;

static bitsdo_domanager *impl_from_IDOManager(IDOManager *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_domanager, IDOManager_iface);
}

static HRESULT WINAPI domanager_QueryInterface(IDOManager *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDOManager)) {
        *out = iface;
        IDOManager_AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IMarshal) && bitsdo_marshal_host_wanted(&impl_from_IDOManager(iface)->marshal)) {
        *out = &impl_from_IDOManager(iface)->marshal.IMarshal_iface;
        IDOManager_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI domanager_AddRef(IDOManager *iface)
{
    return InterlockedIncrement(&impl_from_IDOManager(iface)->refs);
}

static ULONG WINAPI domanager_Release(IDOManager *iface)
{
    bitsdo_domanager *manager = impl_from_IDOManager(iface);
    ULONG refs = InterlockedDecrement(&manager->refs);

    if (!refs) {
        free(manager);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI domanager_CreateDownload(IDOManager *iface, IDODownload **out)
{
    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    return bitsdo_dodownload_new(out);
}

typedef struct enum_filter {
    const DO_DOWNLOAD_ENUM_CATEGORY *category;
    WCHAR *sid;
} enum_filter;

static BOOL is_callers_download(bitsdo_job *job, void *arg)
{
    enum_filter *filter = arg;

    if (job->events != &bitsdo_do_events)
        return FALSE;
    /* Only the caller's downloads (the owner is fixed at creation). */
    if (!bitsdo_job_owned_by(job, filter->sid))
        return FALSE;
    if (!filter->category)
        return TRUE;
    return bitsdo_dodownload_matches(job, filter->category->Property, filter->category->Value);
}

static HRESULT WINAPI domanager_EnumDownloads(IDOManager *iface, const DO_DOWNLOAD_ENUM_CATEGORY *category,
                                              IEnumUnknown **out)
{
    enum_filter filter;
    bitsdo_job **jobs;
    IUnknown **items;
    ULONG count, i;
    HRESULT hr = S_OK;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (category) {
        switch (category->Property) {
        case DODownloadProperty_Id:
        case DODownloadProperty_Uri:
        case DODownloadProperty_ContentId:
        case DODownloadProperty_DisplayName:
        case DODownloadProperty_LocalPath:
            break;
        default:
            return E_INVALIDARG;
        }
        if (!category->Value)
            return E_INVALIDARG;
    }
    filter.category = category;
    filter.sid = bitsdo_current_user_sid();
    hr = bitsdo_job_list(&jobs, &count, is_callers_download, &filter);
    free(filter.sid);
    if (FAILED(hr))
        return hr;
    /* Nothing to enumerate: DO answers DO_E_NO_DOWNLOADS ("no downloads
     * currently exist"), not an empty enumerator. */
    if (!count) {
        bitsdo_job_list_free(jobs, count);
        return BITSDO_DO_E_NO_DOWNLOADS;
    }
    if (!(items = calloc(count, sizeof(*items)))) {
        bitsdo_job_list_free(jobs, count);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < count && SUCCEEDED(hr); i++)
        hr = bitsdo_dodownload_create(jobs[i], &IID_IUnknown, (void **)&items[i]);
    bitsdo_job_list_free(jobs, count);
    if (FAILED(hr)) {
        ULONG j;
        for (j = 0; j + 1 < i; j++)
            IUnknown_Release(items[j]);
        free(items);
        return hr;
    }
    return bitsdo_enum_unknown_create(items, count, out);
}

static const IDOManagerVtbl domanager_vtbl = {
    domanager_QueryInterface,
    domanager_AddRef,
    domanager_Release,
    domanager_CreateDownload,
    domanager_EnumDownloads,
};

HRESULT bitsdo_domanager_create(REFIID riid, void **out)
{
    bitsdo_domanager *manager;
    HRESULT hr;

    if (!(manager = calloc(1, sizeof(*manager))))
        return E_OUTOFMEMORY;
    manager->IDOManager_iface.lpVtbl = &domanager_vtbl;
    manager->refs = 1;
    bitsdo_marshal_host_init(&manager->marshal, (IUnknown *)&manager->IDOManager_iface, NULL,
                             BITSDO_FACADE_DO_MANAGER);
    bitsdo_module_addref();
    hr = IDOManager_QueryInterface(&manager->IDOManager_iface, riid, out);
    IDOManager_Release(&manager->IDOManager_iface);
    return hr;
}
