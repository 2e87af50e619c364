/* IDeliveryOptimizationJob / IDeliveryOptimizationJob2 on the BITS-style
 * job object: files added with a DO file id (and ranges, and the size if
 * the caller knows it), and the job's extended error information.
 *
 * IDeliveryOptimizationJob2::AddFile adds a file with no local name, whose
 * sink is chosen afterwards through IDeliveryOptimizationFile2; our engine
 * runs every file into a local file named when it is added, so that method
 * is E_NOTIMPL. */
#include "job_do.h"

#include <stdio.h>
#include <stdlib.h>

#include "errors.h"
#include "wstr.h"

static bitsdo_job_do *impl_from_IDeliveryOptimizationJob(IDeliveryOptimizationJob *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_job_do, IDeliveryOptimizationJob_iface);
}

static bitsdo_job_do *impl_from_IDeliveryOptimizationJob2(IDeliveryOptimizationJob2 *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_job_do, IDeliveryOptimizationJob2_iface);
}

/* --- IDeliveryOptimizationJob ------------------------------------------- */

static HRESULT WINAPI dojob_QueryInterface(IDeliveryOptimizationJob *iface, REFIID riid, void **out)
{
    return IUnknown_QueryInterface(impl_from_IDeliveryOptimizationJob(iface)->outer, riid, out);
}

static ULONG WINAPI dojob_AddRef(IDeliveryOptimizationJob *iface)
{
    return IUnknown_AddRef(impl_from_IDeliveryOptimizationJob(iface)->outer);
}

static ULONG WINAPI dojob_Release(IDeliveryOptimizationJob *iface)
{
    return IUnknown_Release(impl_from_IDeliveryOptimizationJob(iface)->outer);
}

static HRESULT do_code(HRESULT hr)
{
    if (hr == BITSDO_BG_E_INVALID_RANGE)
        return BITSDO_DO_E_INVALID_RANGE;
    if (hr == BITSDO_BG_E_OVERLAPPING_RANGES)
        return BITSDO_DO_E_OVERLAPPING_RANGES;
    return hr;
}

/* fileId: unique within the job (E_INVALIDARG otherwise). fileSize, when
 * not DO_UNKNOWN_FILE_SIZE, bounds the ranges (DO_E_INVALID_RANGE) and, for
 * a whole file, is its size until the server says otherwise. */
static HRESULT WINAPI dojob_AddFileWithRanges(IDeliveryOptimizationJob *iface, LPCWSTR file_id,
                                              LPCWSTR remote, LPCWSTR local, DWORD count,
                                              BG_FILE_RANGE ranges[], ULONG64 size)
{
    bitsdo_job *job = impl_from_IDeliveryOptimizationJob(iface)->job;
    bitsdo_file_rec *file;
    BOOL taken = FALSE;
    uint32_t i;
    DWORD k;
    HRESULT hr;

    if (!local || !*local || !remote || !file_id || !*file_id || (count && !ranges))
        return E_INVALIDARG;
    if (size != DO_UNKNOWN_FILE_SIZE) {
        for (k = 0; k < count; k++)
            if (ranges[k].InitialOffset >= size ||
                (ranges[k].Length != BG_LENGTH_TO_EOF && ranges[k].Length > size - ranges[k].InitialOffset))
                return BITSDO_DO_E_INVALID_RANGE;
    }
    AcquireSRWLockShared(&job->lock);
    for (i = 0; i < job->rec.file_count && !taken; i++)
        taken = job->rec.files[i]->file_id && !wcscmp((const WCHAR *)job->rec.files[i]->file_id, file_id);
    ReleaseSRWLockShared(&job->lock);
    if (taken)
        return E_INVALIDARG;
    /* Two files of the job never end in one final file. */
    if (FAILED(hr = bitsdo_job_check_new_locals(job, &local, 1)))
        return hr;

    if (count)
        hr = bitsdo_job_add_file_ranges(job, remote, local, count, ranges);
    else
        hr = bitsdo_job_add_file(job, remote, local, NULL, 0);
    if (FAILED(hr))
        return do_code(hr);

    /* The file just added is the last one with this local name and no id. */
    AcquireSRWLockExclusive(&job->lock);
    for (i = job->rec.file_count; i-- > 0;) {
        file = job->rec.files[i];
        if (!file->file_id && !wcscmp((const WCHAR *)file->local_name, local)) {
            hr = bitsdo_set_wstr(&file->file_id, (const bitsdo_wchar *)file_id);
            if (SUCCEEDED(hr) && !count && size != DO_UNKNOWN_FILE_SIZE &&
                bitsdo__load64(&file->counters.bytes_total) == BITSDO_SIZE_UNKNOWN)
                bitsdo_counters_set_size(&job->rec.counters, &file->counters, size);
            break;
        }
    }
    ReleaseSRWLockExclusive(&job->lock);
    return hr;
}

static const IDeliveryOptimizationJobVtbl dojob_vtbl = {
    dojob_QueryInterface,
    dojob_AddRef,
    dojob_Release,
    dojob_AddFileWithRanges,
};

/* --- IDeliveryOptimizationJob2 ------------------------------------------ */

static HRESULT WINAPI dojob2_QueryInterface(IDeliveryOptimizationJob2 *iface, REFIID riid, void **out)
{
    return IUnknown_QueryInterface(impl_from_IDeliveryOptimizationJob2(iface)->outer, riid, out);
}

static ULONG WINAPI dojob2_AddRef(IDeliveryOptimizationJob2 *iface)
{
    return IUnknown_AddRef(impl_from_IDeliveryOptimizationJob2(iface)->outer);
}

static ULONG WINAPI dojob2_Release(IDeliveryOptimizationJob2 *iface)
{
    return IUnknown_Release(impl_from_IDeliveryOptimizationJob2(iface)->outer);
}

static HRESULT WINAPI dojob2_AddFile(IDeliveryOptimizationJob2 *iface, LPCWSTR file_id, LPCWSTR remote,
                                     DWORD count, BG_FILE_RANGE ranges[], REFIID riid, void **out)
{
    (void)iface;
    (void)file_id;
    (void)remote;
    (void)count;
    (void)ranges;
    (void)riid;
    if (out)
        *out = NULL;
    return E_NOTIMPL; /* a file without a local name: see the top of this file */
}

/* ExtendedErrorInfo (VT_BSTR, read-only): "0xHRESULT: description" of the
 * job's error while it is in ERROR or TRANSIENT_ERROR, else
 * BG_E_ERROR_INFORMATION_UNAVAILABLE, as GetError answers. */
static HRESULT WINAPI dojob2_GetProperty(IDeliveryOptimizationJob2 *iface, DOJobPropertyId id, VARIANT *out)
{
    bitsdo_job *job = impl_from_IDeliveryOptimizationJob2(iface)->job;
    LPWSTR text = NULL;
    WCHAR *line;
    HRESULT code = S_OK, hr;
    BOOL has_error;
    size_t n;

    if (!out)
        return E_POINTER;
    VariantInit(out);
    if (id != DOJobPropertyId_ExtendedErrorInfo)
        return BITSDO_DO_E_UNKNOWN_PROPERTY_ID;
    AcquireSRWLockShared(&job->lock);
    has_error = job->rec.state == BITSDO_STATE_ERROR || job->rec.state == BITSDO_STATE_TRANSIENT_ERROR;
    if (has_error)
        code = job->rec.error_hr;
    ReleaseSRWLockShared(&job->lock);
    if (!has_error)
        return BITSDO_BG_E_ERROR_INFORMATION_UNAVAILABLE;
    if (FAILED(hr = bitsdo_describe_error(code, 0, &text)))
        return hr;
    n = wcslen(text) + 16;
    if (!(line = malloc(n * sizeof(WCHAR)))) {
        CoTaskMemFree(text);
        return E_OUTOFMEMORY;
    }
    swprintf(line, n, L"0x%08lX: %ls", (unsigned long)code, text);
    CoTaskMemFree(text);
    V_BSTR(out) = SysAllocString(line);
    free(line);
    if (!V_BSTR(out))
        return E_OUTOFMEMORY;
    V_VT(out) = VT_BSTR;
    return S_OK;
}

static HRESULT WINAPI dojob2_SetProperty(IDeliveryOptimizationJob2 *iface, DOJobPropertyId id,
                                         const VARIANT *value)
{
    (void)iface;
    (void)value;
    return id == DOJobPropertyId_ExtendedErrorInfo ? BITSDO_DO_E_READ_ONLY_PROPERTY
                                                   : BITSDO_DO_E_UNKNOWN_PROPERTY_ID;
}

static const IDeliveryOptimizationJob2Vtbl dojob2_vtbl = {
    dojob2_QueryInterface,
    dojob2_AddRef,
    dojob2_Release,
    dojob2_AddFile,
    dojob2_GetProperty,
    dojob2_SetProperty,
};

void bitsdo_job_do_init(bitsdo_job_do *d, IUnknown *outer, bitsdo_job *job)
{
    d->IDeliveryOptimizationJob_iface.lpVtbl = &dojob_vtbl;
    d->IDeliveryOptimizationJob2_iface.lpVtbl = &dojob2_vtbl;
    d->outer = outer;
    d->job = job;
}
