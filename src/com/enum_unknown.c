/* IEnumUnknown over a snapshot of interface pointers (IDOManager's
 * EnumDownloads hands out one of these, of IDODownload views). */
#include "objects.h"

#include <stdlib.h>

typedef struct bitsdo_enum_unknown_data {
    LONG refs;                  /* shared by the enumerator and its clones */
    IUnknown **items;
    ULONG count;
} bitsdo_enum_unknown_data;

typedef struct bitsdo_enum_unknown {
    IEnumUnknown IEnumUnknown_iface;
    LONG refs;
    bitsdo_enum_unknown_data *data;
    ULONG pos;
} bitsdo_enum_unknown;

static bitsdo_enum_unknown *impl_from_IEnumUnknown(IEnumUnknown *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_enum_unknown, IEnumUnknown_iface);
}

static void data_release(bitsdo_enum_unknown_data *data)
{
    ULONG i;

    if (InterlockedDecrement(&data->refs))
        return;
    for (i = 0; i < data->count; i++)
        IUnknown_Release(data->items[i]);
    free(data->items);
    free(data);
}

static HRESULT enum_create(bitsdo_enum_unknown_data *data, ULONG pos, IEnumUnknown **out);

static HRESULT WINAPI enum_unknown_QueryInterface(IEnumUnknown *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IEnumUnknown)) {
        *out = iface;
        IEnumUnknown_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_unknown_AddRef(IEnumUnknown *iface)
{
    return InterlockedIncrement(&impl_from_IEnumUnknown(iface)->refs);
}

static ULONG WINAPI enum_unknown_Release(IEnumUnknown *iface)
{
    bitsdo_enum_unknown *e = impl_from_IEnumUnknown(iface);
    ULONG refs = InterlockedDecrement(&e->refs);

    if (!refs) {
        data_release(e->data);
        free(e);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI enum_unknown_Next(IEnumUnknown *iface, ULONG count, IUnknown **items,
                                        ULONG *fetched)
{
    bitsdo_enum_unknown *e = impl_from_IEnumUnknown(iface);
    ULONG n = 0;

    if (!items)
        return E_POINTER;
    if (count != 1 && !fetched)
        return E_INVALIDARG;
    while (n < count && e->pos < e->data->count) {
        items[n] = e->data->items[e->pos++];
        IUnknown_AddRef(items[n]);
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == count ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_unknown_Skip(IEnumUnknown *iface, ULONG count)
{
    bitsdo_enum_unknown *e = impl_from_IEnumUnknown(iface);
    ULONG left = e->data->count - e->pos;

    if (count > left) {
        e->pos = e->data->count;
        return S_FALSE;
    }
    e->pos += count;
    return S_OK;
}

static HRESULT WINAPI enum_unknown_Reset(IEnumUnknown *iface)
{
    impl_from_IEnumUnknown(iface)->pos = 0;
    return S_OK;
}

static HRESULT WINAPI enum_unknown_Clone(IEnumUnknown *iface, IEnumUnknown **out)
{
    bitsdo_enum_unknown *e = impl_from_IEnumUnknown(iface);

    if (!out)
        return E_POINTER;
    InterlockedIncrement(&e->data->refs);
    return enum_create(e->data, e->pos, out);
}

static const IEnumUnknownVtbl enum_unknown_vtbl = {
    enum_unknown_QueryInterface,
    enum_unknown_AddRef,
    enum_unknown_Release,
    enum_unknown_Next,
    enum_unknown_Skip,
    enum_unknown_Reset,
    enum_unknown_Clone,
};

/* Takes one reference on data (the caller's). */
static HRESULT enum_create(bitsdo_enum_unknown_data *data, ULONG pos, IEnumUnknown **out)
{
    bitsdo_enum_unknown *e;

    *out = NULL;
    if (!(e = calloc(1, sizeof(*e)))) {
        data_release(data);
        return E_OUTOFMEMORY;
    }
    e->IEnumUnknown_iface.lpVtbl = &enum_unknown_vtbl;
    e->refs = 1;
    e->data = data;
    e->pos = pos;
    bitsdo_module_addref();
    *out = &e->IEnumUnknown_iface;
    return S_OK;
}

HRESULT bitsdo_enum_unknown_create(IUnknown **items, ULONG count, IEnumUnknown **out)
{
    bitsdo_enum_unknown_data *data;
    ULONG i;

    if (!(data = calloc(1, sizeof(*data)))) {
        for (i = 0; i < count; i++)
            IUnknown_Release(items[i]);
        free(items);
        return E_OUTOFMEMORY;
    }
    data->refs = 1;
    data->items = items;
    data->count = count;
    return enum_create(data, 0, out);
}
