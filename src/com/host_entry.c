/* IBitsdoHostEntry: the one object bitsdo-host.exe asks the DLL for
 * (DllGetClassObject(CLSID_BitsdoHostEntry)); Run is the host itself
 * (src/host/host.c). Not a registered class: only the host asks for it. */
#include "objects.h"
#include "hostinfo.h"

#include <stdlib.h>

typedef struct bitsdo_host_entry {
    IBitsdoHostEntry IBitsdoHostEntry_iface;
    LONG refs;
} bitsdo_host_entry;

static bitsdo_host_entry *impl_from_IBitsdoHostEntry(IBitsdoHostEntry *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_host_entry, IBitsdoHostEntry_iface);
}

static HRESULT WINAPI entry_QueryInterface(IBitsdoHostEntry *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBitsdoHostEntry)) {
        *out = iface;
        IBitsdoHostEntry_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI entry_AddRef(IBitsdoHostEntry *iface)
{
    return InterlockedIncrement(&impl_from_IBitsdoHostEntry(iface)->refs);
}

static ULONG WINAPI entry_Release(IBitsdoHostEntry *iface)
{
    bitsdo_host_entry *entry = impl_from_IBitsdoHostEntry(iface);
    ULONG refs = InterlockedDecrement(&entry->refs);

    if (!refs)
        free(entry);
    return refs;
}

static HRESULT WINAPI entry_Run(IBitsdoHostEntry *iface, LPCWSTR command_line, DWORD *exit_code)
{
    (void)iface;
    if (!exit_code)
        return E_POINTER;
    *exit_code = bitsdo_host_run(command_line);
    return S_OK;
}

static const IBitsdoHostEntryVtbl entry_vtbl = {
    entry_QueryInterface,
    entry_AddRef,
    entry_Release,
    entry_Run,
};

/* Not counted in the module's objects: the host's idle test counts the
 * objects clients hold, and this one is the host's own. */
HRESULT bitsdo_host_entry_create(REFIID riid, void **out)
{
    bitsdo_host_entry *entry;
    HRESULT hr;

    if (!(entry = calloc(1, sizeof(*entry))))
        return E_OUTOFMEMORY;
    entry->IBitsdoHostEntry_iface.lpVtbl = &entry_vtbl;
    entry->refs = 1;
    hr = IBitsdoHostEntry_QueryInterface(&entry->IBitsdoHostEntry_iface, riid, out);
    IBitsdoHostEntry_Release(&entry->IBitsdoHostEntry_iface);
    return hr;
}
