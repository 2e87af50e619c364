/* IEnumBackgroundCopyGroups: a snapshot of the queue's group GUIDs, taken when
 * IBackgroundCopyQMgr::EnumGroups was called. */
#include "legacy.h"

#include <stdlib.h>

typedef struct bitsdo_enum_groups {
    IEnumBackgroundCopyGroups IEnumBackgroundCopyGroups_iface;
    LONG refs;
    GUID *ids;
    ULONG count;
    ULONG pos;
} bitsdo_enum_groups;

static bitsdo_enum_groups *impl_from_IEnumBackgroundCopyGroups(IEnumBackgroundCopyGroups *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_enum_groups, IEnumBackgroundCopyGroups_iface);
}

static HRESULT WINAPI enum_groups_QueryInterface(IEnumBackgroundCopyGroups *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (!riid) {
        *out = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumBackgroundCopyGroups)) {
        *out = iface;
        IEnumBackgroundCopyGroups_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_groups_AddRef(IEnumBackgroundCopyGroups *iface)
{
    return InterlockedIncrement(&impl_from_IEnumBackgroundCopyGroups(iface)->refs);
}

static ULONG WINAPI enum_groups_Release(IEnumBackgroundCopyGroups *iface)
{
    bitsdo_enum_groups *e = impl_from_IEnumBackgroundCopyGroups(iface);
    ULONG refs = InterlockedDecrement(&e->refs);

    if (!refs) {
        free(e->ids);
        free(e);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI enum_groups_Next(IEnumBackgroundCopyGroups *iface, ULONG celt, GUID *items, ULONG *fetched)
{
    bitsdo_enum_groups *e = impl_from_IEnumBackgroundCopyGroups(iface);
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

static HRESULT WINAPI enum_groups_Skip(IEnumBackgroundCopyGroups *iface, ULONG celt)
{
    bitsdo_enum_groups *e = impl_from_IEnumBackgroundCopyGroups(iface);

    if (celt > e->count - e->pos) {
        e->pos = e->count;
        return S_FALSE;
    }
    e->pos += celt;
    return S_OK;
}

static HRESULT WINAPI enum_groups_Reset(IEnumBackgroundCopyGroups *iface)
{
    impl_from_IEnumBackgroundCopyGroups(iface)->pos = 0;
    return S_OK;
}

static HRESULT WINAPI enum_groups_Clone(IEnumBackgroundCopyGroups *iface, IEnumBackgroundCopyGroups **out)
{
    bitsdo_enum_groups *e = impl_from_IEnumBackgroundCopyGroups(iface);
    GUID *copy;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!(copy = malloc((e->count ? e->count : 1) * sizeof(*copy))))
        return E_OUTOFMEMORY;
    memcpy(copy, e->ids, e->count * sizeof(*copy));
    if (SUCCEEDED(hr = bitsdo_enum_groups_create(copy, e->count, out)))
        impl_from_IEnumBackgroundCopyGroups(*out)->pos = e->pos;
    return hr;
}

static HRESULT WINAPI enum_groups_GetCount(IEnumBackgroundCopyGroups *iface, ULONG *out)
{
    if (!out)
        return E_POINTER;
    *out = impl_from_IEnumBackgroundCopyGroups(iface)->count;
    return S_OK;
}

static const IEnumBackgroundCopyGroupsVtbl enum_groups_vtbl = {
    enum_groups_QueryInterface,
    enum_groups_AddRef,
    enum_groups_Release,
    enum_groups_Next,
    enum_groups_Skip,
    enum_groups_Reset,
    enum_groups_Clone,
    enum_groups_GetCount,
};

HRESULT bitsdo_enum_groups_create(GUID *ids, ULONG count, IEnumBackgroundCopyGroups **out)
{
    bitsdo_enum_groups *e;

    if (!(e = calloc(1, sizeof(*e)))) {
        free(ids);
        return E_OUTOFMEMORY;
    }
    e->IEnumBackgroundCopyGroups_iface.lpVtbl = &enum_groups_vtbl;
    e->refs = 1;
    e->ids = ids;
    e->count = count;
    bitsdo_module_addref();
    *out = &e->IEnumBackgroundCopyGroups_iface;
    return S_OK;
}
