/* IEnumBackgroundCopyGroups and IEnumBackgroundCopyJobs1: one object, a
 * snapshot of GUIDs (the queue's groups at EnumGroups, a group's jobs at
 * EnumJobs). The two BITS 1.0 interfaces have the same shape; the logic is
 * written once below and each vtable is a set of typed trampolines. */
#include "legacy.h"

#include <stdlib.h>

typedef struct bitsdo_enum_guids {
    union {
        IEnumBackgroundCopyGroups groups;
        IEnumBackgroundCopyJobs1 jobs1;
    } iface;                /* both are a single vtable pointer */
    const IID *iid;         /* which of the two this object is */
    LONG refs;
    GUID *ids;
    ULONG count;
    ULONG pos;
} bitsdo_enum_guids;

static HRESULT create(const IID *iid, GUID *ids, ULONG count, ULONG pos, void **out);

static bitsdo_enum_guids *impl_from(void *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_enum_guids, iface);
}

static HRESULT guids_QueryInterface(bitsdo_enum_guids *e, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, e->iid))
        return E_NOINTERFACE;
    InterlockedIncrement(&e->refs);
    *out = &e->iface;
    return S_OK;
}

static ULONG guids_Release(bitsdo_enum_guids *e)
{
    ULONG refs = InterlockedDecrement(&e->refs);

    if (!refs) {
        free(e->ids);
        free(e);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT guids_Next(bitsdo_enum_guids *e, ULONG celt, GUID *items, ULONG *fetched)
{
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

static HRESULT guids_Skip(bitsdo_enum_guids *e, ULONG celt)
{
    if (celt > e->count - e->pos) {
        e->pos = e->count;
        return S_FALSE;
    }
    e->pos += celt;
    return S_OK;
}

static HRESULT guids_Clone(bitsdo_enum_guids *e, void **out)
{
    GUID *copy;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!(copy = malloc((e->count ? e->count : 1) * sizeof(*copy))))
        return E_OUTOFMEMORY;
    memcpy(copy, e->ids, e->count * sizeof(*copy));
    return create(e->iid, copy, e->count, e->pos, out);
}

static HRESULT guids_GetCount(bitsdo_enum_guids *e, ULONG *out)
{
    if (!out)
        return E_POINTER;
    *out = e->count;
    return S_OK;
}

/* The typed entry points of one interface, all forwarding to the above. */
#define GUID_ENUM_VTBL(Iface, prefix)                                                         \
    static HRESULT WINAPI prefix##_QueryInterface(Iface *iface, REFIID riid, void **out)     \
    {                                                                                         \
        return guids_QueryInterface(impl_from(iface), riid, out);                             \
    }                                                                                         \
    static ULONG WINAPI prefix##_AddRef(Iface *iface)                                         \
    {                                                                                         \
        return InterlockedIncrement(&impl_from(iface)->refs);                                 \
    }                                                                                         \
    static ULONG WINAPI prefix##_Release(Iface *iface)                                        \
    {                                                                                         \
        return guids_Release(impl_from(iface));                                               \
    }                                                                                         \
    static HRESULT WINAPI prefix##_Next(Iface *iface, ULONG celt, GUID *items, ULONG *fetched) \
    {                                                                                         \
        return guids_Next(impl_from(iface), celt, items, fetched);                            \
    }                                                                                         \
    static HRESULT WINAPI prefix##_Skip(Iface *iface, ULONG celt)                             \
    {                                                                                         \
        return guids_Skip(impl_from(iface), celt);                                            \
    }                                                                                         \
    static HRESULT WINAPI prefix##_Reset(Iface *iface)                                        \
    {                                                                                         \
        impl_from(iface)->pos = 0;                                                            \
        return S_OK;                                                                          \
    }                                                                                         \
    static HRESULT WINAPI prefix##_Clone(Iface *iface, Iface **out)                           \
    {                                                                                         \
        return guids_Clone(impl_from(iface), (void **)out);                                   \
    }                                                                                         \
    static HRESULT WINAPI prefix##_GetCount(Iface *iface, ULONG *out)                         \
    {                                                                                         \
        return guids_GetCount(impl_from(iface), out);                                         \
    }                                                                                         \
    static const Iface##Vtbl prefix##_vtbl = {                                                \
        prefix##_QueryInterface, prefix##_AddRef, prefix##_Release, prefix##_Next,            \
        prefix##_Skip,           prefix##_Reset,  prefix##_Clone,   prefix##_GetCount,        \
    };

GUID_ENUM_VTBL(IEnumBackgroundCopyGroups, enum_groups)
GUID_ENUM_VTBL(IEnumBackgroundCopyJobs1, enum_jobs1)

static HRESULT create(const IID *iid, GUID *ids, ULONG count, ULONG pos, void **out)
{
    bitsdo_enum_guids *e;

    if (!(e = calloc(1, sizeof(*e)))) {
        free(ids);
        return E_OUTOFMEMORY;
    }
    if (IsEqualIID(iid, &IID_IEnumBackgroundCopyGroups))
        e->iface.groups.lpVtbl = &enum_groups_vtbl;
    else
        e->iface.jobs1.lpVtbl = &enum_jobs1_vtbl;
    e->iid = iid;
    e->refs = 1;
    e->ids = ids;
    e->count = count;
    e->pos = pos;
    bitsdo_module_addref();
    *out = &e->iface;
    return S_OK;
}

HRESULT bitsdo_enum_groups_create(GUID *ids, ULONG count, IEnumBackgroundCopyGroups **out)
{
    return create(&IID_IEnumBackgroundCopyGroups, ids, count, 0, (void **)out);
}

HRESULT bitsdo_enum_jobs1_create(GUID *ids, ULONG count, IEnumBackgroundCopyJobs1 **out)
{
    return create(&IID_IEnumBackgroundCopyJobs1, ids, count, 0, (void **)out);
}
