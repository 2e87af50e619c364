/*
 * proxy_callas.c - the hand-written halves of the [call_as] methods of our
 * IDL, linked into bitsdo.dll with the generated proxies.
 *
 * SPDX-License-Identifier: MIT
 *
 * The four enumerators' Next methods are [local]; on the wire they travel
 * as RemoteNext, whose element count is a plain [out] pointer. The client
 * half (Xxx_Next_Proxy, in the proxy's vtable) supplies a count of its own
 * when the caller passed NULL (allowed when celt is 1) and calls the
 * generated RemoteNext proxy; the server half (Xxx_Next_Stub, called by
 * the generated RemoteNext stub) calls the object's Next and reports how
 * many elements are valid, so that exactly those are marshaled back.
 * Invariant: the caller's view is that of an in-process call (same
 * HRESULT, same elements, *pceltFetched written only if given).
 */
#include "DeliveryOptimization.h"
#include "bitsdo_qmgr.h"

#define BITSDO_NEXT_CALL_AS(iface, elem)                                                            \
    HRESULT CALLBACK iface##_Next_Proxy(iface *This, ULONG celt, elem *rgelt, ULONG *pceltFetched)  \
    {                                                                                               \
        ULONG fetched = 0;                                                                          \
                                                                                                    \
        return iface##_RemoteNext_Proxy(This, celt, rgelt, pceltFetched ? pceltFetched : &fetched); \
    }                                                                                               \
                                                                                                    \
    HRESULT __RPC_STUB iface##_Next_Stub(iface *This, ULONG celt, elem *rgelt, ULONG *pceltFetched) \
    {                                                                                               \
        HRESULT hr;                                                                                 \
                                                                                                    \
        *pceltFetched = 0;                                                                          \
        hr = This->lpVtbl->Next(This, celt, rgelt, pceltFetched);                                   \
        if (FAILED(hr) || *pceltFetched > celt)                                                     \
            *pceltFetched = 0;                                                                      \
        return hr;                                                                                  \
    }

BITSDO_NEXT_CALL_AS(IEnumBackgroundCopyFiles, IBackgroundCopyFile *)
BITSDO_NEXT_CALL_AS(IEnumBackgroundCopyJobs, IBackgroundCopyJob *)
BITSDO_NEXT_CALL_AS(IEnumBackgroundCopyJobs1, GUID)
BITSDO_NEXT_CALL_AS(IEnumBackgroundCopyGroups, GUID)
