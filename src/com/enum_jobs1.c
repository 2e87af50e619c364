/* IEnumBackgroundCopyJobs1: a snapshot of a group's job GUIDs, taken when
 * IBackgroundCopyGroup::EnumJobs was called. */
#include "legacy.h"

#include <stdlib.h>

typedef struct bitsdo_enum_jobs1 {
    IEnumBackgroundCopyJobs1 IEnumBackgroundCopyJobs1_iface;
    LONG refs;
    GUID *ids;
    ULONG count;
    ULONG pos;
} bitsdo_enum_jobs1;

static bitsdo_enum_jobs1 *impl_from_IEnumBackgroundCopyJobs1(IEnumBackgroundCopyJobs1 *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_enum_jobs1, IEnumBackgroundCopyJobs1_iface);
}

static HRESULT WINAPI enum_jobs1_QueryInterface(IEnumBackgroundCopyJobs1 *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (!riid) {
        *out = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumBackgroundCopyJobs1)) {
        *out = iface;
        IEnumBackgroundCopyJobs1_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_jobs1_AddRef(IEnumBackgroundCopyJobs1 *iface)
{
    return InterlockedIncrement(&impl_from_IEnumBackgroundCopyJobs1(iface)->refs);
}

static ULONG WINAPI enum_jobs1_Release(IEnumBackgroundCopyJobs1 *iface)
{
    bitsdo_enum_jobs1 *e = impl_from_IEnumBackgroundCopyJobs1(iface);
    ULONG refs = InterlockedDecrement(&e->refs);

    if (!refs) {
        free(e->ids);
        free(e);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI enum_jobs1_Next(IEnumBackgroundCopyJobs1 *iface, ULONG celt, GUID *items, ULONG *fetched)
{
    bitsdo_enum_jobs1 *e = impl_from_IEnumBackgroundCopyJobs1(iface);
    ULONG n = 0;

    if (!items)
        return E_POINTER;
    /* Documented: pceltFetched may be NULL only when one item is asked for. */
    if (celt != 1 && !fetched)
        return E_INVALIDARG;
    while (n < celt && e->pos < e->count)
        items[n++] = e->ids[e->pos++];
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_jobs1_Skip(IEnumBackgroundCopyJobs1 *iface, ULONG celt)
{
    bitsdo_enum_jobs1 *e = impl_from_IEnumBackgroundCopyJobs1(iface);

    if (celt > e->count - e->pos) {
        e->pos = e->count;
        return S_FALSE;
    }
    e->pos += celt;
    return S_OK;
}

static HRESULT WINAPI enum_jobs1_Reset(IEnumBackgroundCopyJobs1 *iface)
{
    impl_from_IEnumBackgroundCopyJobs1(iface)->pos = 0;
    return S_OK;
}

static HRESULT WINAPI enum_jobs1_Clone(IEnumBackgroundCopyJobs1 *iface, IEnumBackgroundCopyJobs1 **out)
{
    bitsdo_enum_jobs1 *e = impl_from_IEnumBackgroundCopyJobs1(iface);
    GUID *copy;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!(copy = malloc((e->count ? e->count : 1) * sizeof(*copy))))
        return E_OUTOFMEMORY;
    memcpy(copy, e->ids, e->count * sizeof(*copy));
    if (SUCCEEDED(hr = bitsdo_enum_jobs1_create(copy, e->count, out)))
        impl_from_IEnumBackgroundCopyJobs1(*out)->pos = e->pos;
    return hr;
}

static HRESULT WINAPI enum_jobs1_GetCount(IEnumBackgroundCopyJobs1 *iface, ULONG *out)
{
    if (!out)
        return E_POINTER;
    *out = impl_from_IEnumBackgroundCopyJobs1(iface)->count;
    return S_OK;
}

static const IEnumBackgroundCopyJobs1Vtbl enum_jobs1_vtbl = {
    enum_jobs1_QueryInterface,
    enum_jobs1_AddRef,
    enum_jobs1_Release,
    enum_jobs1_Next,
    enum_jobs1_Skip,
    enum_jobs1_Reset,
    enum_jobs1_Clone,
    enum_jobs1_GetCount,
};

HRESULT bitsdo_enum_jobs1_create(GUID *ids, ULONG count, IEnumBackgroundCopyJobs1 **out)
{
    bitsdo_enum_jobs1 *e;

    if (!(e = calloc(1, sizeof(*e)))) {
        free(ids);
        return E_OUTOFMEMORY;
    }
    e->IEnumBackgroundCopyJobs1_iface.lpVtbl = &enum_jobs1_vtbl;
    e->refs = 1;
    e->ids = ids;
    e->count = count;
    bitsdo_module_addref();
    *out = &e->IEnumBackgroundCopyJobs1_iface;
    return S_OK;
}
