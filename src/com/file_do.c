/* IDeliveryOptimizationFile / IDeliveryOptimizationFile2 on the BITS-style
 * file object.
 *
 * GetStats fills DOSwarmStats from what the engine knows: bytes come from
 * the origin server or from a DO cache host (DOCacheHost, see
 * transport_http.c), never from peers. Of the file's transferred bytes,
 * those a cache host served are bytesFromDoinc (doincConnectionCount: the
 * requests a cache host answered), the rest of an http/https file's are
 * bytesFromHttp (0 for file:// and UNC sources); every peer field is 0 and
 * the mode is DownloadMode_CdnOnly. The origin's connection count and the
 * duration are not recorded by the engine and read 0. */
#include "file_do.h"

#include "errors.h"
#include "names.h"
#include "wstr.h"

#ifndef E_NOT_SET
#define E_NOT_SET HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
#endif

static bitsdo_file_do *impl_from_IDeliveryOptimizationFile(IDeliveryOptimizationFile *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_file_do, IDeliveryOptimizationFile_iface);
}

static bitsdo_file_do *impl_from_IDeliveryOptimizationFile2(IDeliveryOptimizationFile2 *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_file_do, IDeliveryOptimizationFile2_iface);
}

static HRESULT WINAPI dofile_QueryInterface(IDeliveryOptimizationFile *iface, REFIID riid, void **out)
{
    return IUnknown_QueryInterface(impl_from_IDeliveryOptimizationFile(iface)->outer, riid, out);
}

static ULONG WINAPI dofile_AddRef(IDeliveryOptimizationFile *iface)
{
    return IUnknown_AddRef(impl_from_IDeliveryOptimizationFile(iface)->outer);
}

static ULONG WINAPI dofile_Release(IDeliveryOptimizationFile *iface)
{
    return IUnknown_Release(impl_from_IDeliveryOptimizationFile(iface)->outer);
}

static HRESULT WINAPI dofile_GetStats(IDeliveryOptimizationFile *iface, DOSwarmStats *stats)
{
    bitsdo_file_do *d = impl_from_IDeliveryOptimizationFile(iface);
    bitsdo_job *job = d->job;
    bitsdo_remote_kind kind = BITSDO_REMOTE_PATH;
    uint64_t total, done;
    int completed;
    BOOL active;
    HRESULT hr;

    if (!stats)
        return E_POINTER;
    memset(stats, 0, sizeof(*stats));
    bitsdo_counters_read_file(&job->rec.counters, &d->file->counters, &total, &done, &completed);
    AcquireSRWLockShared(&job->lock);
    hr = bitsdo_co_strdup((const WCHAR *)d->file->remote_name, &stats->sourceURL);
    if (SUCCEEDED(hr) && d->file->file_id)
        hr = bitsdo_co_strdup((const WCHAR *)d->file->file_id, &stats->fileId);
    bitsdo_remote_classify(d->file->remote_name, &kind);
    active = bitsdo_state_is_active(job->rec.state);
    stats->isBackground = job->rec.priority != BG_JOB_PRIORITY_FOREGROUND;
    ReleaseSRWLockShared(&job->lock);
    if (FAILED(hr)) {
        CoTaskMemFree(stats->sourceURL);
        CoTaskMemFree(stats->fileId);
        memset(stats, 0, sizeof(*stats));
        return hr;
    }
    stats->fileSize = total == BITSDO_SIZE_UNKNOWN ? DO_UNKNOWN_FILE_SIZE : total;
    stats->totalBytesDownloaded = done;
    if (kind == BITSDO_REMOTE_HTTP || kind == BITSDO_REMOTE_HTTPS) {
        uint64_t cache = bitsdo__load64(&d->file->cache_bytes);

        stats->bytesFromDoinc = cache < done ? cache : done;
        stats->bytesFromHttp = done - stats->bytesFromDoinc;
        stats->doincConnectionCount = bitsdo__load32(&d->file->cache_requests);
    }
    stats->downloadMode = DownloadMode_CdnOnly;
    stats->status = completed ? SwarmStatus_Complete : active ? SwarmStatus_Downloading : SwarmStatus_Paused;
    return S_OK;
}

static const IDeliveryOptimizationFileVtbl dofile_vtbl = {
    dofile_QueryInterface,
    dofile_AddRef,
    dofile_Release,
    dofile_GetStats,
};

/* --- IDeliveryOptimizationFile2 ------------------------------------------ */

static HRESULT WINAPI dofile2_QueryInterface(IDeliveryOptimizationFile2 *iface, REFIID riid, void **out)
{
    return IUnknown_QueryInterface(impl_from_IDeliveryOptimizationFile2(iface)->outer, riid, out);
}

static ULONG WINAPI dofile2_AddRef(IDeliveryOptimizationFile2 *iface)
{
    return IUnknown_AddRef(impl_from_IDeliveryOptimizationFile2(iface)->outer);
}

static ULONG WINAPI dofile2_Release(IDeliveryOptimizationFile2 *iface)
{
    return IUnknown_Release(impl_from_IDeliveryOptimizationFile2(iface)->outer);
}

/* TotalSizeBytes (VT_UI8, DO_UNKNOWN_FILE_SIZE while unknown) and
 * DownloadSinkFilePath (VT_BSTR, the local name) are read-only here: the
 * file's sink is fixed when it is added. IntegrityCheckMandatory (VT_BOOL)
 * is FALSE: no integrity information can be given. The decryption,
 * integrity and stream/memory sink properties are not implemented. */
static HRESULT WINAPI dofile2_GetProperty(IDeliveryOptimizationFile2 *iface, DOFilePropertyId id, VARIANT *out)
{
    bitsdo_file_do *d = impl_from_IDeliveryOptimizationFile2(iface);
    uint64_t total;

    if (!out)
        return E_POINTER;
    VariantInit(out);
    switch (id) {
    case DOFilePropertyId_TotalSizeBytes:
        bitsdo_counters_read_file(&d->job->rec.counters, &d->file->counters, &total, NULL, NULL);
        V_VT(out) = VT_UI8;
        V_UI8(out) = total == BITSDO_SIZE_UNKNOWN ? DO_UNKNOWN_FILE_SIZE : total;
        return S_OK;
    case DOFilePropertyId_DownloadSinkFilePath:
        AcquireSRWLockShared(&d->job->lock);
        V_BSTR(out) = SysAllocString((const WCHAR *)d->file->local_name);
        ReleaseSRWLockShared(&d->job->lock);
        if (!V_BSTR(out))
            return E_OUTOFMEMORY;
        V_VT(out) = VT_BSTR;
        return S_OK;
    case DOFilePropertyId_IntegrityCheckMandatory:
        V_VT(out) = VT_BOOL;
        V_BOOL(out) = VARIANT_FALSE;
        return S_OK;
    case DOFilePropertyId_DecryptionInfo:
    case DOFilePropertyId_IntegrityCheckInfo:
    case DOFilePropertyId_DownloadSinkInterface:
    case DOFilePropertyId_DownloadSinkMemoryStream:
        return E_NOTIMPL;
    default:
        return BITSDO_DO_E_UNKNOWN_PROPERTY_ID;
    }
}

static HRESULT WINAPI dofile2_SetProperty(IDeliveryOptimizationFile2 *iface, DOFilePropertyId id,
                                          const VARIANT *value)
{
    (void)iface;
    switch (id) {
    case DOFilePropertyId_TotalSizeBytes:
    case DOFilePropertyId_DownloadSinkFilePath:
        return BITSDO_DO_E_READ_ONLY_PROPERTY;
    case DOFilePropertyId_IntegrityCheckMandatory:
        if (!value || V_VT(value) != VT_BOOL)
            return E_INVALIDARG;
        return V_BOOL(value) ? E_NOTIMPL : S_OK; /* FALSE is what it is */
    case DOFilePropertyId_DecryptionInfo:
    case DOFilePropertyId_IntegrityCheckInfo:
    case DOFilePropertyId_DownloadSinkInterface:
    case DOFilePropertyId_DownloadSinkMemoryStream:
        return E_NOTIMPL;
    default:
        return BITSDO_DO_E_UNKNOWN_PROPERTY_ID;
    }
}

static const IDeliveryOptimizationFile2Vtbl dofile2_vtbl = {
    dofile2_QueryInterface,
    dofile2_AddRef,
    dofile2_Release,
    dofile2_GetProperty,
    dofile2_SetProperty,
};

void bitsdo_file_do_init(bitsdo_file_do *d, IUnknown *outer, bitsdo_job *job, bitsdo_file_rec *file)
{
    d->IDeliveryOptimizationFile_iface.lpVtbl = &dofile_vtbl;
    d->IDeliveryOptimizationFile2_iface.lpVtbl = &dofile2_vtbl;
    d->outer = outer;
    d->job = job;
    d->file = file;
}
