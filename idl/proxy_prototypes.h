/*
 * proxy_prototypes.h - force-included into the widl-generated proxy files.
 *
 * SPDX-License-Identifier: MIT
 *
 * The generated proxy vtables name IUnknown_QueryInterface_Proxy,
 * IUnknown_AddRef_Proxy and IUnknown_Release_Proxy (rpcrt4.dll exports
 * them); MinGW-w64's <unknwn.h> declares them for C++ only.
 */
#ifndef BITSDO_PROXY_PROTOTYPES_H
#define BITSDO_PROXY_PROTOTYPES_H

#include <objbase.h>

#ifndef __cplusplus
HRESULT STDMETHODCALLTYPE IUnknown_QueryInterface_Proxy(IUnknown *This, REFIID riid, void **ppvObject);
ULONG STDMETHODCALLTYPE IUnknown_AddRef_Proxy(IUnknown *This);
ULONG STDMETHODCALLTYPE IUnknown_Release_Proxy(IUnknown *This);
#endif

#endif
