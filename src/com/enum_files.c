/* IEnumBackgroundCopyFiles: the files of a job as they were at EnumFiles. */
#include "objects.h"

#include <stdlib.h>

typedef struct bitsdo_enum_files {
    IEnumBackgroundCopyFiles IEnumBackgroundCopyFiles_iface;
    LONG refs;
    bitsdo_job *job;
    ULONG count; /* files 0..count-1 */
    ULONG pos;
} bitsdo_enum_files;

static bitsdo_enum_files *impl_from_IEnumBackgroundCopyFiles(IEnumBackgroundCopyFiles *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_enum_files, IEnumBackgroundCopyFiles_iface);
}

static HRESULT WINAPI enum_files_QueryInterface(IEnumBackgroundCopyFiles *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumBackgroundCopyFiles)) {
        *out = iface;
        IEnumBackgroundCopyFiles_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_files_AddRef(IEnumBackgroundCopyFiles *iface)
{
    return InterlockedIncrement(&impl_from_IEnumBackgroundCopyFiles(iface)->refs);
}

static ULONG WINAPI enum_files_Release(IEnumBackgroundCopyFiles *iface)
{
    bitsdo_enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);
    ULONG refs = InterlockedDecrement(&e->refs);

    if (!refs) {
        bitsdo_job_release(e->job);
        free(e);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI enum_files_Next(IEnumBackgroundCopyFiles *iface, ULONG celt, IBackgroundCopyFile **items,
                                      ULONG *fetched)
{
    bitsdo_enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);
    ULONG n = 0;
    HRESULT hr;

    if (!items)
        return E_POINTER;
    if (celt > 1 && !fetched)
        return E_INVALIDARG;
    while (n < celt && e->pos < e->count) {
        if (FAILED(hr = bitsdo_file_object_create(e->job, e->pos, &items[n]))) {
            while (n--)
                IBackgroundCopyFile_Release(items[n]);
            return hr;
        }
        e->pos++;
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_files_Skip(IEnumBackgroundCopyFiles *iface, ULONG celt)
{
    bitsdo_enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);

    if (celt > e->count - e->pos) {
        e->pos = e->count;
        return S_FALSE;
    }
    e->pos += celt;
    return S_OK;
}

static HRESULT WINAPI enum_files_Reset(IEnumBackgroundCopyFiles *iface)
{
    impl_from_IEnumBackgroundCopyFiles(iface)->pos = 0;
    return S_OK;
}

static HRESULT create(bitsdo_job *job, ULONG count, ULONG pos, IEnumBackgroundCopyFiles **out);

static HRESULT WINAPI enum_files_Clone(IEnumBackgroundCopyFiles *iface, IEnumBackgroundCopyFiles **out)
{
    bitsdo_enum_files *e = impl_from_IEnumBackgroundCopyFiles(iface);

    if (!out)
        return E_POINTER;
    return create(e->job, e->count, e->pos, out);
}

static HRESULT WINAPI enum_files_GetCount(IEnumBackgroundCopyFiles *iface, ULONG *out)
{
    if (!out)
        return E_POINTER;
    *out = impl_from_IEnumBackgroundCopyFiles(iface)->count;
    return S_OK;
}

static const IEnumBackgroundCopyFilesVtbl enum_files_vtbl = {
    enum_files_QueryInterface,
    enum_files_AddRef,
    enum_files_Release,
    enum_files_Next,
    enum_files_Skip,
    enum_files_Reset,
    enum_files_Clone,
    enum_files_GetCount,
};

static HRESULT create(bitsdo_job *job, ULONG count, ULONG pos, IEnumBackgroundCopyFiles **out)
{
    bitsdo_enum_files *e;

    *out = NULL;
    if (!(e = calloc(1, sizeof(*e))))
        return E_OUTOFMEMORY;
    e->IEnumBackgroundCopyFiles_iface.lpVtbl = &enum_files_vtbl;
    e->refs = 1;
    e->job = job;
    e->count = count;
    e->pos = pos;
    bitsdo_job_addref(job);
    bitsdo_module_addref();
    *out = &e->IEnumBackgroundCopyFiles_iface;
    return S_OK;
}

HRESULT bitsdo_enum_files_create(bitsdo_job *job, IEnumBackgroundCopyFiles **out)
{
    ULONG count;

    AcquireSRWLockShared(&job->lock);
    count = job->rec.file_count;
    ReleaseSRWLockShared(&job->lock);
    return create(job, count, 0, out);
}
