/* The class object bitsdo.dll hands out for a public class in a client
 * process (docs/hosting.md, section 2): it makes no object of its own, it
 * asks the per-user host's class object (src/host/connect.c finds or
 * starts the host) and returns the host's object, a proxy. So every
 * process of the user sees the same jobs, and no job ever runs in two
 * processes. */
#include "objects.h"
#include "hostinfo.h"

#include <stdlib.h>

typedef struct bitsdo_connector {
    IClassFactory IClassFactory_iface;
    LONG refs;
    CLSID clsid;
} bitsdo_connector;

static bitsdo_connector *impl_from_IClassFactory(IClassFactory *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_connector, IClassFactory_iface);
}

static HRESULT WINAPI connector_QueryInterface(IClassFactory *iface, REFIID riid, void **out)
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

static ULONG WINAPI connector_AddRef(IClassFactory *iface)
{
    return InterlockedIncrement(&impl_from_IClassFactory(iface)->refs);
}

static ULONG WINAPI connector_Release(IClassFactory *iface)
{
    bitsdo_connector *connector = impl_from_IClassFactory(iface);
    ULONG refs = InterlockedDecrement(&connector->refs);

    if (!refs) {
        free(connector);
        bitsdo_module_release();
    }
    return refs;
}

static BOOL host_gone(HRESULT hr)
{
    return hr == RPC_E_DISCONNECTED || hr == CO_E_OBJNOTCONNECTED || hr == RPC_E_SERVER_DIED ||
           hr == RPC_E_SERVER_DIED_DNE || hr == HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) ||
           hr == HRESULT_FROM_WIN32(RPC_S_CALL_FAILED);
}

static HRESULT WINAPI connector_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid,
                                               void **out)
{
    bitsdo_connector *connector = impl_from_IClassFactory(iface);
    IClassFactory *host;
    int attempt;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    if (!riid)
        return E_INVALIDARG;
    for (attempt = 0;; attempt++) {
        if (FAILED(hr = bitsdo_host_class_object(&connector->clsid, &host)))
            return hr;
        hr = IClassFactory_CreateInstance(host, NULL, riid, out);
        IClassFactory_Release(host);
        /* The host left between publishing its class object and this call
         * (an idle exit): the next look starts a new one. */
        if (attempt || !host_gone(hr))
            return hr;
    }
}

/* Keeps this DLL loaded. It cannot keep the host up: Wine's proxies answer
 * IClassFactory::LockServer with E_NOTIMPL without asking the server, so
 * a lock is local, as for any in-process class object. */
static HRESULT WINAPI connector_LockServer(IClassFactory *iface, BOOL lock)
{
    (void)iface;
    if (lock)
        bitsdo_module_addref();
    else
        bitsdo_module_release();
    return S_OK;
}

static const IClassFactoryVtbl connector_vtbl = {
    connector_QueryInterface,
    connector_AddRef,
    connector_Release,
    connector_CreateInstance,
    connector_LockServer,
};

HRESULT bitsdo_connector_create(REFCLSID clsid, REFIID riid, void **out)
{
    bitsdo_connector *connector;
    HRESULT hr;

    if (!(connector = calloc(1, sizeof(*connector))))
        return E_OUTOFMEMORY;
    connector->IClassFactory_iface.lpVtbl = &connector_vtbl;
    connector->refs = 1;
    connector->clsid = *clsid;
    bitsdo_module_addref();
    hr = IClassFactory_QueryInterface(&connector->IClassFactory_iface, riid, out);
    IClassFactory_Release(&connector->IClassFactory_iface);
    return hr;
}
