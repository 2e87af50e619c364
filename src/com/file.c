/* IBackgroundCopyFile through IBackgroundCopyFile5: one file of a job. */
#include "objects.h"

#include <stdlib.h>

#include "errors.h"
#include "file_do.h"
#include "names.h"
#include "wstr.h"

typedef struct bitsdo_file_object {
    IBackgroundCopyFile5 IBackgroundCopyFile5_iface;
    LONG refs;
    bitsdo_job *job;
    bitsdo_file_rec *file; /* owned by job->rec, valid while we hold the job */
    uint32_t index;        /* the file's place in the job (files are never removed) */
    bitsdo_file_do dofile; /* IDeliveryOptimizationFile, File2 */
} bitsdo_file_object;

static bitsdo_file_object *impl_from_IBackgroundCopyFile5(IBackgroundCopyFile5 *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_file_object, IBackgroundCopyFile5_iface);
}

static HRESULT WINAPI file_QueryInterface(IBackgroundCopyFile5 *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyFile) ||
        IsEqualIID(riid, &IID_IBackgroundCopyFile2) || IsEqualIID(riid, &IID_IBackgroundCopyFile3) ||
        IsEqualIID(riid, &IID_IBackgroundCopyFile4) || IsEqualIID(riid, &IID_IBackgroundCopyFile5)) {
        *out = iface;
        IBackgroundCopyFile5_AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IDeliveryOptimizationFile)) {
        *out = &impl_from_IBackgroundCopyFile5(iface)->dofile.IDeliveryOptimizationFile_iface;
        IBackgroundCopyFile5_AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IDeliveryOptimizationFile2)) {
        *out = &impl_from_IBackgroundCopyFile5(iface)->dofile.IDeliveryOptimizationFile2_iface;
        IBackgroundCopyFile5_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI file_AddRef(IBackgroundCopyFile5 *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyFile5(iface)->refs);
}

static ULONG WINAPI file_Release(IBackgroundCopyFile5 *iface)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);
    ULONG refs = InterlockedDecrement(&object->refs);

    if (!refs) {
        bitsdo_job_release(object->job);
        free(object);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT get_name(IBackgroundCopyFile5 *iface, BOOL remote, LPWSTR *out)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);
    HRESULT hr;

    if (!out)
        return E_POINTER;
    AcquireSRWLockShared(&object->job->lock);
    hr = bitsdo_co_strdup((const WCHAR *)(remote ? object->file->remote_name : object->file->local_name), out);
    ReleaseSRWLockShared(&object->job->lock);
    return hr;
}

static HRESULT WINAPI file_GetRemoteName(IBackgroundCopyFile5 *iface, LPWSTR *out)
{
    return get_name(iface, TRUE, out);
}

static HRESULT WINAPI file_GetLocalName(IBackgroundCopyFile5 *iface, LPWSTR *out)
{
    return get_name(iface, FALSE, out);
}

static HRESULT WINAPI file_GetProgress(IBackgroundCopyFile5 *iface, BG_FILE_PROGRESS *out)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);
    uint64_t total, done;
    int completed;

    if (!out)
        return E_POINTER;
    bitsdo_counters_read_file(&object->job->rec.counters, &object->file->counters, &total, &done,
                              &completed);
    out->BytesTotal = total;
    out->BytesTransferred = done;
    out->Completed = completed ? TRUE : FALSE;
    return S_OK;
}

static HRESULT WINAPI file_GetFileRanges(IBackgroundCopyFile5 *iface, DWORD *count, BG_FILE_RANGE **ranges)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);
    bitsdo_file_rec *file = object->file;
    HRESULT hr = S_OK;
    uint32_t i;

    if (!count || !ranges)
        return E_POINTER;
    *count = 0;
    *ranges = NULL;
    AcquireSRWLockShared(&object->job->lock);
    if (file->range_count) {
        if (!(*ranges = CoTaskMemAlloc(file->range_count * sizeof(**ranges)))) {
            hr = E_OUTOFMEMORY;
        } else {
            for (i = 0; i < file->range_count; i++) {
                (*ranges)[i].InitialOffset = file->ranges[i].offset;
                (*ranges)[i].Length = file->ranges[i].length;
            }
            *count = file->range_count;
        }
    }
    ReleaseSRWLockShared(&object->job->lock);
    return hr;
}

static HRESULT WINAPI file_SetRemoteName(IBackgroundCopyFile5 *iface, LPCWSTR name)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);
    bitsdo_remote_kind kind;
    HRESULT hr;

    if (!name)
        return E_INVALIDARG;
    if (FAILED(hr = bitsdo_remote_classify((const bitsdo_wchar *)name, &kind)))
        return hr;
    if (FAILED(hr = bitsdo_job_modify_begin(object->job)))
        return hr;
    /* Moving a file to another server, share or protocol (SMB to HTTP) is
     * what this method is for; the next attempt uses the new name. */
    hr = bitsdo_set_wstr(&object->file->remote_name, (const bitsdo_wchar *)name);
    bitsdo_job_modify_end(object->job, SUCCEEDED(hr));
    return hr;
}

static HRESULT WINAPI file_GetTemporaryName(IBackgroundCopyFile5 *iface, LPWSTR *out)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    AcquireSRWLockShared(&object->job->lock);
    /* Before the transfer starts there is no temporary file yet. */
    hr = object->file->temp_name ? bitsdo_co_strdup((const WCHAR *)object->file->temp_name, out)
                                 : BITSDO_BG_E_ERROR_INFORMATION_UNAVAILABLE;
    ReleaseSRWLockShared(&object->job->lock);
    return hr;
}

static HRESULT WINAPI file_SetValidationState(IBackgroundCopyFile5 *iface, BOOL state)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);
    HRESULT hr;

    if (FAILED(hr = bitsdo_job_modify_begin(object->job)))
        return hr;
    if (!bitsdo__load32(&object->file->counters.completed))
        hr = BITSDO_BG_E_INVALID_STATE; /* only a transferred file can be validated */
    else
        object->file->validation_state = state ? 1 : 0;
    bitsdo_job_modify_end(object->job, SUCCEEDED(hr));
    return hr;
}

static HRESULT WINAPI file_GetValidationState(IBackgroundCopyFile5 *iface, BOOL *out)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);

    if (!out)
        return E_POINTER;
    AcquireSRWLockShared(&object->job->lock);
    *out = object->file->validation_state ? TRUE : FALSE;
    ReleaseSRWLockShared(&object->job->lock);
    return S_OK;
}

static HRESULT WINAPI file_IsDownloadedFromPeer(IBackgroundCopyFile5 *iface, BOOL *out)
{
    (void)iface;
    if (!out)
        return E_POINTER;
    *out = FALSE; /* there are no peers: every byte comes from the origin */
    return S_OK;
}

static HRESULT WINAPI file_GetPeerDownloadStats(IBackgroundCopyFile5 *iface, PUINT64 origin,
                                                PUINT64 peers)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);

    if (!origin || !peers)
        return E_POINTER;
    *origin = bitsdo__load64(&object->file->counters.bytes_transferred);
    *peers = 0;
    return S_OK;
}

/* The only file property is the HTTP response headers: the head (status
 * line and "Name: value" lines, CRLF-separated) of the last response the
 * HTTP transport received for this file, after redirects; an empty string
 * before one arrived or for a file not fetched over HTTP. Setting it is not
 * implemented. */
static HRESULT WINAPI file_SetProperty(IBackgroundCopyFile5 *iface, BITS_FILE_PROPERTY_ID id,
                                       BITS_FILE_PROPERTY_VALUE value)
{
    (void)iface;
    (void)value;
    if (id != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return E_INVALIDARG;
    return E_NOTIMPL;
}

static HRESULT WINAPI file_GetProperty(IBackgroundCopyFile5 *iface, BITS_FILE_PROPERTY_ID id,
                                       BITS_FILE_PROPERTY_VALUE *out)
{
    bitsdo_file_object *object = impl_from_IBackgroundCopyFile5(iface);

    if (!out)
        return E_POINTER;
    out->String = NULL;
    if (id != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return E_INVALIDARG;
    return bitsdo_job_file_headers(object->job, object->index, &out->String);
}

static const IBackgroundCopyFile5Vtbl file_vtbl = {
    file_QueryInterface,
    file_AddRef,
    file_Release,
    file_GetRemoteName,
    file_GetLocalName,
    file_GetProgress,
    file_GetFileRanges,
    file_SetRemoteName,
    file_GetTemporaryName,
    file_SetValidationState,
    file_GetValidationState,
    file_IsDownloadedFromPeer,
    file_GetPeerDownloadStats,
    file_SetProperty,
    file_GetProperty,
};

HRESULT bitsdo_file_object_create(bitsdo_job *job, uint32_t index, IBackgroundCopyFile **out)
{
    bitsdo_file_object *object;

    AcquireSRWLockShared(&job->lock);
    if (index >= job->rec.file_count) {
        ReleaseSRWLockShared(&job->lock);
        return E_INVALIDARG;
    }
    if (!(object = calloc(1, sizeof(*object)))) {
        ReleaseSRWLockShared(&job->lock);
        return E_OUTOFMEMORY;
    }
    object->file = job->rec.files[index];
    object->index = index;
    ReleaseSRWLockShared(&job->lock);
    object->IBackgroundCopyFile5_iface.lpVtbl = &file_vtbl;
    object->refs = 1;
    object->job = job;
    bitsdo_file_do_init(&object->dofile, (IUnknown *)&object->IBackgroundCopyFile5_iface, job, object->file);
    bitsdo_job_addref(job);
    bitsdo_module_addref();
    *out = (IBackgroundCopyFile *)&object->IBackgroundCopyFile5_iface;
    return S_OK;
}
