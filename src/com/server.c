/* The server entry points: DllGetClassObject, DllCanUnloadNow and
 * registration of our classes under HKEY_CLASSES_ROOT.
 *
 * The public classes (shared: docs/hosting.md) are registered both as
 * InprocServer32 (this DLL) and LocalServer32 (bitsdo-host.exe beside it,
 * with an AppID). Loaded into a client, this DLL answers a public class
 * with a connector to the per-user host (connector.c); inside the host it
 * makes the real objects. The private classes always make real objects in
 * the calling process. The proxy/stub class and the Interface keys are
 * register.c's. */
#include "objects.h"
#include "hostinfo.h"
#include "jobref.h"
#include "prof.h"
#include "takeover.h"

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

LONG bitsdo_module_count(void)
{
    return bitsdo__read_long(&module_refs);
}

/* The AppID of the public classes when bitsdo-host.exe serves them. */
static const GUID appid_host = {0xc46ae0c8, 0xde4d, 0x4036, {0xb4, 0xfa, 0x36, 0x42, 0x58, 0x49, 0x25, 0xc0}};

const GUID *bitsdo_host_appid(void)
{
    return &appid_host;
}

static const struct bitsdo_class {
    const CLSID *clsid;
    const WCHAR *name;
    bitsdo_constructor create;
    BOOL shared;                /* served by the per-user host */
} classes[] = {
    {&CLSID_BitsdoManager, L"bitsdo Background Copy Manager", bitsdo_manager_create, TRUE},
    {&CLSID_BitsdoQMgr, L"bitsdo Background Copy Queue Manager (BITS 1.0)", bitsdo_qmgr_create, TRUE},
    {&CLSID_BitsdoDeliveryOptimization, L"bitsdo Delivery Optimization", bitsdo_domanager_create, TRUE},
    {&CLSID_BitsdoPrivateManager, L"bitsdo Background Copy Manager (private, in-process)",
     bitsdo_manager_create, FALSE},
    {&CLSID_BitsdoPrivateQMgr, L"bitsdo Background Copy Queue Manager (BITS 1.0, private, in-process)",
     bitsdo_qmgr_create, FALSE},
    {&CLSID_BitsdoPrivateDeliveryOptimization, L"bitsdo Delivery Optimization (private, in-process)",
     bitsdo_domanager_create, FALSE},
    /* the unmarshal class of the host's job objects (job_client.c) */
    {&CLSID_BitsdoJobClient, L"bitsdo job client (unmarshaler)", bitsdo_job_client_create, FALSE},
};

/* DLL_PROCESS_DETACH: jobs die with the process (or with the DLL), so their
 * hidden BIT*.tmp files would be left for good: delete them. reserved is
 * NULL for FreeLibrary, non-NULL when the process exits (its other threads
 * already gone). A process killed hard (TerminateProcess, a crash) runs no
 * DllMain and keeps its litter. Not in the host: its jobs are in the store
 * and their temp files are what the next host resumes from. */
BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, void *reserved)
{
    if (reason == DLL_PROCESS_ATTACH) {
        bitsdo_instance = instance;
        DisableThreadLibraryCalls(instance);
    } else if (reason == DLL_PROCESS_DETACH) {
        BITSDO_PROF_REPORT(); /* nothing unless built with BITSDO_PROFILE */
        if (!bitsdo_host_mode())
            bitsdo_jobs_remove_temp_files(reserved != NULL);
    }
    return TRUE;
}

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID riid, void **out)
{
    const CLSID *ours;
    size_t i;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!clsid || !riid)
        return E_INVALIDARG;
    for (i = 0; i < ARRAYSIZE(classes); i++) {
        if (!IsEqualCLSID(clsid, classes[i].clsid))
            continue;
        if (classes[i].shared && !bitsdo_host_mode())
            return bitsdo_connector_create(clsid, riid, out);
        return bitsdo_factory_create(classes[i].create, riid, out);
    }
    /* Windows' CLSIDs (takeover.c): the public class that serves them, in
     * the host as a real object, elsewhere through the connector. Answered
     * whether or not the takeover is on: only a registration that names
     * this DLL (the takeover's) or a program that loads it on purpose gets
     * here, and a registry read on every activation would add nothing. */
    if ((ours = bitsdo_system_class_target(clsid))) {
        for (i = 0; i < ARRAYSIZE(classes); i++)
            if (IsEqualCLSID(ours, classes[i].clsid))
                return bitsdo_host_mode() ? bitsdo_factory_create(classes[i].create, riid, out)
                                          : bitsdo_connector_create(ours, riid, out);
    }
    if (IsEqualCLSID(clsid, &CLSID_BitsdoHostEntry))
        return bitsdo_host_entry_create(riid, out);
    if (IsEqualCLSID(clsid, &CLSID_BitsdoProxyStub))
        return bitsdo_proxy_get_class_object(clsid, riid, out);
    return CLASS_E_CLASSNOTAVAILABLE;
}

HRESULT WINAPI DllCanUnloadNow(void)
{
    return bitsdo__read_long(&module_refs) == 0 && bitsdo_job_live_count() == 0 &&
                   bitsdo_proxy_can_unload()
               ? S_OK
               : S_FALSE;
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

/* Creates key\\sub and sets its default value. */
static HRESULT set_subkey(HKEY key, const WCHAR *sub, const WCHAR *value)
{
    HKEY k;
    HRESULT hr;
    LONG err = RegCreateKeyExW(key, sub, 0, NULL, 0, KEY_WRITE, NULL, &k, NULL);

    if (err)
        return HRESULT_FROM_WIN32(err);
    hr = set_value(k, NULL, value);
    RegCloseKey(k);
    return hr;
}

/* A class: its name, InprocServer32 (ThreadingModel Both) and, for a
 * shared one, LocalServer32 (the host beside this DLL) and the AppID. */
static HRESULT register_class(const struct bitsdo_class *c, const WCHAR *path, const WCHAR *host_path)
{
    WCHAR name[64], appid[40];
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
    if (SUCCEEDED(hr) && c->shared) {
        StringFromGUID2(&appid_host, appid, ARRAYSIZE(appid));
        if (SUCCEEDED(hr = set_subkey(key, L"LocalServer32", host_path)))
            hr = set_value(key, L"AppID", appid);
    }
    if (inproc)
        RegCloseKey(inproc);
    RegCloseKey(key);
    return hr;
}

static HRESULT register_appid(void)
{
    WCHAR name[64], appid[40];

    StringFromGUID2(&appid_host, appid, ARRAYSIZE(appid));
    swprintf(name, ARRAYSIZE(name), L"AppID\\%ls", appid);
    return set_subkey(HKEY_CLASSES_ROOT, name, L"bitsdo per-user job host");
}

static HRESULT unregister_appid(void)
{
    WCHAR name[64], appid[40];
    LONG err;

    StringFromGUID2(&appid_host, appid, ARRAYSIZE(appid));
    swprintf(name, ARRAYSIZE(name), L"AppID\\%ls", appid);
    err = bitsdo_reg_delete_tree(name);
    return HRESULT_FROM_WIN32(err);
}

static HRESULT unregister_class(const struct bitsdo_class *c)
{
    WCHAR name[64];
    LONG err;

    clsid_key(c->clsid, name, ARRAYSIZE(name));
    err = bitsdo_reg_delete_tree(name);
    return HRESULT_FROM_WIN32(err);
}

HRESULT WINAPI DllUnregisterServer(void)
{
    HRESULT hr, one;
    size_t i;

    /* Taken over: the system classes point at us; put them back first. */
    if (FAILED(hr = bitsdo_takeover_undo()))
        return hr;
    hr = bitsdo_proxy_unregister();
    for (i = 0; i < ARRAYSIZE(classes); i++)
        if (FAILED(one = unregister_class(&classes[i])))
            hr = one;
    if (FAILED(one = unregister_appid()))
        hr = one;
    return hr;
}

HRESULT WINAPI DllRegisterServer(void)
{
    WCHAR path[MAX_PATH], host_path[MAX_PATH + 2], *slash;
    DWORD len;
    HRESULT hr;
    size_t i;

    len = GetModuleFileNameW(bitsdo_instance, path, ARRAYSIZE(path));
    if (!len || len >= ARRAYSIZE(path) || !(slash = wcsrchr(path, L'\\')))
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    /* LocalServer32 is a command line: the path quoted. */
    if (swprintf(host_path, ARRAYSIZE(host_path), L"\"%.*ls\\bitsdo-host.exe\"", (int)(slash - path), path) < 0)
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    hr = register_appid();
    for (i = 0; i < ARRAYSIZE(classes) && SUCCEEDED(hr); i++)
        hr = register_class(&classes[i], path, host_path);
    if (SUCCEEDED(hr))
        hr = bitsdo_proxy_register(path);
    if (FAILED(hr))
        DllUnregisterServer();
    return hr;
}

HRESULT bitsdo_register_server(void)
{
    return DllRegisterServer();
}

/* regsvr32 /i[:cmdline] calls this (after DllRegisterServer; with /u,
 * before DllUnregisterServer; /n leaves those out). Without a command line
 * it registers or unregisters. "takeover" takes over Windows' BITS and DO
 * classes (install) or gives them back (uninstall); "takeover,force" does
 * it even where Windows' own services exist (takeover.c). */
HRESULT WINAPI DllInstall(BOOL install, LPCWSTR cmdline)
{
    if (!cmdline || !*cmdline)
        return install ? DllRegisterServer() : DllUnregisterServer();
    if (!_wcsicmp(cmdline, L"takeover"))
        return install ? bitsdo_takeover(FALSE) : bitsdo_takeover_undo();
    if (!_wcsicmp(cmdline, L"takeover,force"))
        return install ? bitsdo_takeover(TRUE) : bitsdo_takeover_undo();
    return E_INVALIDARG;
}
