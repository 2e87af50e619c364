/* IClassFactory for each of our classes. */
#include "objects.h"

#include <stdlib.h>

typedef struct bitsdo_factory {
    IClassFactory IClassFactory_iface;
    LONG refs;
    bitsdo_constructor create;
} bitsdo_factory;

static bitsdo_factory *impl_from_IClassFactory(IClassFactory *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_factory, IClassFactory_iface);
}

static HRESULT WINAPI factory_QueryInterface(IClassFactory *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        *out = iface;
        IClassFactory_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI factory_AddRef(IClassFactory *iface)
{
    return InterlockedIncrement(&impl_from_IClassFactory(iface)->refs);
}

static ULONG WINAPI factory_Release(IClassFactory *iface)
{
    bitsdo_factory *factory = impl_from_IClassFactory(iface);
    ULONG refs = InterlockedDecrement(&factory->refs);

    if (!refs) {
        free(factory);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid,
                                             void **out)
{
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    return impl_from_IClassFactory(iface)->create(riid, out);
}

static HRESULT WINAPI factory_LockServer(IClassFactory *iface, BOOL lock)
{
    (void)iface;
    if (lock)
        bitsdo_module_addref();
    else
        bitsdo_module_release();
    return S_OK;
}

static const IClassFactoryVtbl factory_vtbl = {
    factory_QueryInterface,
    factory_AddRef,
    factory_Release,
    factory_CreateInstance,
    factory_LockServer,
};

HRESULT bitsdo_factory_create(bitsdo_constructor ctor, REFIID riid, void **out)
{
    bitsdo_factory *factory;
    HRESULT hr;

    if (!(factory = calloc(1, sizeof(*factory))))
        return E_OUTOFMEMORY;
    factory->IClassFactory_iface.lpVtbl = &factory_vtbl;
    factory->refs = 1;
    factory->create = ctor;
    bitsdo_module_addref();
    hr = IClassFactory_QueryInterface(&factory->IClassFactory_iface, riid, out);
    IClassFactory_Release(&factory->IClassFactory_iface);
    return hr;
}
