/* The server entry points: DllGetClassObject, DllCanUnloadNow and
 * registration of our classes under HKEY_CLASSES_ROOT. */
#include "objects.h"

#include <stdio.h>

HINSTANCE bitsdo_instance;
static volatile LONG module_refs;

void bitsdo_module_addref(void)
{
    InterlockedIncrement(&module_refs);
}

void bitsdo_module_release(void)
{
    InterlockedDecrement(&module_refs);
}

static const struct bitsdo_class {
    const CLSID *clsid;
    const WCHAR *name;
    bitsdo_constructor create;
} classes[] = {
    {&CLSID_BitsdoManager, L"bitsdo Background Copy Manager", bitsdo_manager_create},
    {&CLSID_BitsdoQMgr, L"bitsdo Background Copy Queue Manager (BITS 1.0)", bitsdo_qmgr_create},
    {&CLSID_BitsdoDeliveryOptimization, L"bitsdo Delivery Optimization", bitsdo_domanager_create},
    {&CLSID_BitsdoPrivateManager, L"bitsdo Background Copy Manager (private, in-process)",
     bitsdo_manager_create},
    {&CLSID_BitsdoPrivateQMgr, L"bitsdo Background Copy Queue Manager (BITS 1.0, private, in-process)",
     bitsdo_qmgr_create},
    {&CLSID_BitsdoPrivateDeliveryOptimization, L"bitsdo Delivery Optimization (private, in-process)",
     bitsdo_domanager_create},
};

/* DLL_PROCESS_DETACH: jobs die with the process (or with the DLL), so their
 * hidden BIT*.tmp files would be left for good: delete them. reserved is
 * NULL for FreeLibrary, non-NULL when the process exits (its other threads
 * already gone). A process killed hard (TerminateProcess, a crash) runs no
 * DllMain and keeps its litter. */
BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, void *reserved)
{
    if (reason == DLL_PROCESS_ATTACH) {
        bitsdo_instance = instance;
        DisableThreadLibraryCalls(instance);
    } else if (reason == DLL_PROCESS_DETACH) {
        bitsdo_jobs_remove_temp_files(reserved != NULL);
    }
    return TRUE;
}

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID riid, void **out)
{
    size_t i;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!clsid || !riid)
        return E_INVALIDARG;
    for (i = 0; i < ARRAYSIZE(classes); i++)
        if (IsEqualCLSID(clsid, classes[i].clsid))
            return bitsdo_factory_create(classes[i].create, riid, out);
    return CLASS_E_CLASSNOTAVAILABLE;
}

HRESULT WINAPI DllCanUnloadNow(void)
{
    return bitsdo__read_long(&module_refs) == 0 && bitsdo_job_live_count() == 0 ? S_OK : S_FALSE;
}

static void clsid_key(const CLSID *clsid, WCHAR *key, size_t cap)
{
    WCHAR guid[40];

    StringFromGUID2(clsid, guid, ARRAYSIZE(guid));
    swprintf(key, cap, L"CLSID\\%ls", guid);
}

static HRESULT set_value(HKEY key, const WCHAR *name, const WCHAR *value)
{
    LONG err = RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value,
                              (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
    return HRESULT_FROM_WIN32(err);
}

static HRESULT register_class(const struct bitsdo_class *c, const WCHAR *path)
{
    WCHAR name[64];
    HKEY key = NULL, inproc = NULL;
    HRESULT hr;
    LONG err;

    clsid_key(c->clsid, name, ARRAYSIZE(name));
    err = RegCreateKeyExW(HKEY_CLASSES_ROOT, name, 0, NULL, 0, KEY_WRITE, NULL, &key, NULL);
    if (err)
        return HRESULT_FROM_WIN32(err);
    if (SUCCEEDED(hr = set_value(key, NULL, c->name))) {
        err = RegCreateKeyExW(key, L"InprocServer32", 0, NULL, 0, KEY_WRITE, NULL, &inproc, NULL);
        if (err)
            hr = HRESULT_FROM_WIN32(err);
        else if (SUCCEEDED(hr = set_value(inproc, NULL, path)))
            hr = set_value(inproc, L"ThreadingModel", L"Both");
    }
    if (inproc)
        RegCloseKey(inproc);
    RegCloseKey(key);
    return hr;
}

static HRESULT unregister_class(const struct bitsdo_class *c)
{
    WCHAR name[64];
    LONG err;

    clsid_key(c->clsid, name, ARRAYSIZE(name));
    err = RegDeleteTreeW(HKEY_CLASSES_ROOT, name);
    if (err == ERROR_FILE_NOT_FOUND)
        err = ERROR_SUCCESS;
    return HRESULT_FROM_WIN32(err);
}

HRESULT WINAPI DllUnregisterServer(void)
{
    HRESULT hr = S_OK, one;
    size_t i;

    for (i = 0; i < ARRAYSIZE(classes); i++)
        if (FAILED(one = unregister_class(&classes[i])))
            hr = one;
    return hr;
}

HRESULT WINAPI DllRegisterServer(void)
{
    WCHAR path[MAX_PATH];
    DWORD len;
    HRESULT hr;
    size_t i;

    len = GetModuleFileNameW(bitsdo_instance, path, ARRAYSIZE(path));
    if (!len || len >= ARRAYSIZE(path))
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    for (i = 0; i < ARRAYSIZE(classes); i++) {
        if (FAILED(hr = register_class(&classes[i], path))) {
            DllUnregisterServer();
            return hr;
        }
    }
    return S_OK;
}

/* regsvr32 /i calls this. No command-line options exist yet: taking over
 * the system's own CLSIDs belongs to the hosting work, not to this call. */
HRESULT WINAPI DllInstall(BOOL install, LPCWSTR cmdline)
{
    if (cmdline && *cmdline)
        return E_INVALIDARG;
    return install ? DllRegisterServer() : DllUnregisterServer();
}
