/* The takeover of Windows' own CLSIDs (issue 11, docs/hosting.md section 9):
 * `regsvr32 /i:takeover bitsdo.dll` registers our implementation also
 * under CLSID_BackgroundCopyManager, every versioned BITS CLSID (1.5 to
 * 10.3), CLSID_BackgroundCopyQMgr and CLSID_DeliveryOptimization, for
 * in-process activation (this DLL: a connector to the per-user host) and
 * local-server activation (bitsdo-host.exe, our AppID).
 * `regsvr32 /u /i:takeover` (or `/u /n /i:takeover`, which keeps bitsdo
 * registered) puts back exactly what was there.
 *
 * Invariants:
 *   - Before the first write to HKCR\CLSID\{X}, the whole key as it is
 *     (values and subkeys, byte for byte) is copied to
 *     HKLM\Software\bitsdo\takeover\{X}\Original, and whether it existed is
 *     recorded ({X}\Existed). A class that already has a saved copy is not
 *     saved again: taking over twice keeps the original.
 *   - Only class keys are written: their InprocServer32, LocalServer32 and
 *     AppID (ours, {c46ae0c8-...}). Wine's own AppID keys
 *     ({69AD4AEE-...}, LocalService=BITS) are never touched; a class whose
 *     AppID value points at ours simply no longer reaches them.
 *   - Undo deletes each class key and copies the saved one back (or leaves
 *     it absent), then removes the saved copies: an export of HKCR\CLSID
 *     and HKCR\AppID is what it was before the takeover.
 *   - The takeover is "active" while HKLM\Software\bitsdo\takeover exists
 *     (value Active = 1); the host then registers the system CLSIDs with
 *     COM too (host.c).
 *   - Where a real BITS or Delivery Optimization service exists (Windows,
 *     not Wine), nothing is written unless ",force" is given.
 * Only the registry view of the DLL's own bitness is written (64-bit for
 * the 64-bit DLL). */
#include "objects.h"
#include "hostinfo.h"
#include "takeover.h"

#include <stdio.h>

#define TAKEOVER_KEY L"Software\\bitsdo\\takeover"
#define SERVICE_STOP_MS 15000

const struct bitsdo_system_class bitsdo_system_classes[] = {
    {&CLSID_BackgroundCopyManager, L"BITS (CLSID_BackgroundCopyManager)", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager1_5, L"BITS 1.5", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager2_0, L"BITS 2.0", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager2_5, L"BITS 2.5", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager3_0, L"BITS 3.0", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager4_0, L"BITS 4.0", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager5_0, L"BITS 5.0", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager10_1, L"BITS 10.1", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager10_2, L"BITS 10.2", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyManager10_3, L"BITS 10.3", &CLSID_BitsdoManager},
    {&CLSID_BackgroundCopyQMgr, L"BITS 1.0 (CLSID_BackgroundCopyQMgr)", &CLSID_BitsdoQMgr},
    {&CLSID_DeliveryOptimization, L"Delivery Optimization", &CLSID_BitsdoDeliveryOptimization},
};
const size_t bitsdo_system_class_count = ARRAYSIZE(bitsdo_system_classes);
_Static_assert(ARRAYSIZE(bitsdo_system_classes) <= BITSDO_SYSTEM_CLASSES_MAX, "host cookies");

const CLSID *bitsdo_system_class_target(REFCLSID clsid)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(bitsdo_system_classes); i++)
        if (IsEqualCLSID(clsid, bitsdo_system_classes[i].clsid))
            return bitsdo_system_classes[i].ours;
    return NULL;
}

BOOL bitsdo_takeover_active(void)
{
    DWORD active = 0, size = sizeof(active);

    if (RegGetValueW(HKEY_LOCAL_MACHINE, TAKEOVER_KEY, L"Active", RRF_RT_REG_DWORD, NULL, &active, &size))
        return FALSE;
    return active == 1;
}

/* A line for whoever runs regsvr32 (its console, if any) and the debugger. */
static void say(const WCHAR *text)
{
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    char buf[512];
    DWORD written;
    int n;

    OutputDebugStringW(text);
    n = WideCharToMultiByte(CP_ACP, 0, text, -1, buf, sizeof(buf), NULL, NULL);
    if (err && err != INVALID_HANDLE_VALUE && n > 1)
        WriteFile(err, buf, (DWORD)(n - 1), &written, NULL);
}

static BOOL running_on_wine(void)
{
    WCHAR value[8];
    DWORD n = GetEnvironmentVariableW(L"BITSDO_TAKEOVER_AS_WINDOWS", value, ARRAYSIZE(value));
    HMODULE ntdll;

    /* Test seam: make Wine look like Windows. */
    if (n == 1 && value[0] == L'1')
        return FALSE;
    ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

static BOOL service_exists(SC_HANDLE scm, const WCHAR *name)
{
    SC_HANDLE service = OpenServiceW(scm, name, SERVICE_QUERY_STATUS);

    if (!service)
        return GetLastError() != ERROR_SERVICE_DOES_NOT_EXIST;
    CloseServiceHandle(service);
    return TRUE;
}

/* Windows with its own BITS or DO service: the name of one, else NULL. */
static const WCHAR *native_service(void)
{
    static const WCHAR *const names[] = {L"BITS", L"DoSvc"};
    const WCHAR *found = NULL;
    SC_HANDLE scm;
    size_t i;

    if (running_on_wine())
        return NULL;
    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT)))
        return names[0]; /* cannot tell: assume the service is there */
    for (i = 0; i < ARRAYSIZE(names) && !found; i++)
        if (service_exists(scm, names[i]))
            found = names[i];
    CloseServiceHandle(scm);
    return found;
}

/* Stops a service if it runs, waiting (bounded) until it has stopped, so
 * that its class registration is gone before the next activation. */
static void stop_service(const WCHAR *name)
{
    SC_HANDLE scm, service;
    SERVICE_STATUS status;
    ULONGLONG deadline;

    if (!(scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT)))
        return;
    if ((service = OpenServiceW(scm, name, SERVICE_STOP | SERVICE_QUERY_STATUS))) {
        if (QueryServiceStatus(service, &status) && status.dwCurrentState != SERVICE_STOPPED) {
            ControlService(service, SERVICE_CONTROL_STOP, &status);
            deadline = GetTickCount64() + SERVICE_STOP_MS;
            /* The service manager signals nothing we can wait on here:
             * poll its status, bounded. */
            while (QueryServiceStatus(service, &status) && status.dwCurrentState != SERVICE_STOPPED &&
                   GetTickCount64() < deadline)
                Sleep(50);
        }
        CloseServiceHandle(service);
    }
    CloseServiceHandle(scm);
}

static void clsid_names(const CLSID *clsid, WCHAR *key, WCHAR *saved, size_t cap)
{
    WCHAR guid[40];

    StringFromGUID2(clsid, guid, ARRAYSIZE(guid));
    swprintf(key, cap, L"CLSID\\%ls", guid);
    swprintf(saved, cap, L"%ls\\%ls", TAKEOVER_KEY, guid);
}

/* HKLM\saved: Existed (DWORD) and, if it existed, Original = a copy of
 * HKCR\key. Nothing is done when a copy is there already. */
static LONG save_class(const WCHAR *key, const WCHAR *saved)
{
    HKEY s = NULL, original = NULL, from = NULL;
    DWORD disposition, existed;
    LONG err;

    if ((err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, saved, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &s, &disposition)))
        return err;
    if (disposition == REG_OPENED_EXISTING_KEY &&
        !RegQueryValueExW(s, L"Existed", NULL, NULL, NULL, NULL)) {
        RegCloseKey(s);
        return ERROR_SUCCESS;
    }
    existed = bitsdo_reg_exists(key);
    if (existed) {
        err = RegOpenKeyExW(HKEY_CLASSES_ROOT, key, 0, KEY_READ, &from);
        if (!err)
            err = RegCreateKeyExW(s, L"Original", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &original, NULL);
        if (!err)
            err = RegCopyTreeW(from, NULL, original);
    }
    /* Existed last: its presence says the copy is complete. */
    if (!err)
        err = RegSetValueExW(s, L"Existed", 0, REG_DWORD, (const BYTE *)&existed, sizeof(existed));
    if (original)
        RegCloseKey(original);
    if (from)
        RegCloseKey(from);
    RegCloseKey(s);
    if (err)
        RegDeleteTreeW(HKEY_LOCAL_MACHINE, saved);
    return err;
}

/* Puts HKCR\key back as saved, then forgets the copy. A class with no
 * complete copy (Existed missing) is left as it is. */
static LONG restore_class(const WCHAR *key, const WCHAR *saved)
{
    WCHAR original[160];
    DWORD existed = 0, size = sizeof(existed);
    HKEY from = NULL, to = NULL;
    LONG err;

    if (RegGetValueW(HKEY_LOCAL_MACHINE, saved, L"Existed", RRF_RT_REG_DWORD, NULL, &existed, &size)) {
        RegDeleteTreeW(HKEY_LOCAL_MACHINE, saved);
        return ERROR_SUCCESS;
    }
    if ((err = bitsdo_reg_delete_tree(key)))
        return err;
    if (existed) {
        swprintf(original, ARRAYSIZE(original), L"%ls\\Original", saved);
        err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, original, 0, KEY_READ, &from);
        if (!err)
            err = RegCreateKeyExW(HKEY_CLASSES_ROOT, key, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &to, NULL);
        if (!err)
            err = RegCopyTreeW(from, NULL, to);
        if (to)
            RegCloseKey(to);
        if (from)
            RegCloseKey(from);
        if (err)
            return err; /* keep the copy for another try */
    }
    err = RegDeleteTreeW(HKEY_LOCAL_MACHINE, saved);
    return err == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : err;
}

static LONG set_sz(HKEY root, const WCHAR *key, const WCHAR *sub, const WCHAR *name, const WCHAR *value)
{
    WCHAR path[200];

    if (sub)
        swprintf(path, ARRAYSIZE(path), L"%ls\\%ls", key, sub);
    else
        swprintf(path, ARRAYSIZE(path), L"%ls", key);
    return RegSetKeyValueW(root, path, name, REG_SZ, value, (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
}

/* The class key's values that route activation to us. A name is written
 * only where the class had none. */
static LONG write_class(const struct bitsdo_system_class *c, const WCHAR *key, const WCHAR *dll,
                        const WCHAR *host, const WCHAR *appid)
{
    WCHAR name[200];
    DWORD size = sizeof(name);
    LONG err = ERROR_SUCCESS;

    if (RegGetValueW(HKEY_CLASSES_ROOT, key, NULL, RRF_RT_REG_SZ, NULL, name, &size)) {
        swprintf(name, ARRAYSIZE(name), L"%ls, served by bitsdo", c->name);
        err = set_sz(HKEY_CLASSES_ROOT, key, NULL, NULL, name);
    }
    if (!err)
        err = set_sz(HKEY_CLASSES_ROOT, key, L"InprocServer32", NULL, dll);
    if (!err)
        err = set_sz(HKEY_CLASSES_ROOT, key, L"InprocServer32", L"ThreadingModel", L"Both");
    if (!err)
        err = set_sz(HKEY_CLASSES_ROOT, key, L"LocalServer32", NULL, host);
    if (!err)
        err = set_sz(HKEY_CLASSES_ROOT, key, NULL, L"AppID", appid);
    return err;
}

/* Deletes HKLM\Software\bitsdo\takeover, and HKLM\Software\bitsdo when
 * nothing else is in it (the takeover created it). */
static void forget_takeover(void)
{
    HKEY key;
    DWORD subkeys = 1, values = 1;

    RegDeleteTreeW(HKEY_LOCAL_MACHINE, TAKEOVER_KEY);
    if (!RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\bitsdo", 0, KEY_READ, &key)) {
        RegQueryInfoKeyW(key, NULL, NULL, NULL, &subkeys, NULL, NULL, &values, NULL, NULL, NULL, NULL);
        RegCloseKey(key);
        if (!subkeys && !values)
            RegDeleteKeyW(HKEY_LOCAL_MACHINE, L"Software\\bitsdo");
    }
}

HRESULT bitsdo_takeover_undo(void)
{
    WCHAR key[80], saved[160];
    HKEY root;
    LONG err, first = ERROR_SUCCESS;
    size_t i;

    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, TAKEOVER_KEY, 0, KEY_READ, &root))
        return S_OK; /* not taken over */
    RegCloseKey(root);
    /* Not active any more first: a host that starts meanwhile does not
     * register the system classes. Then the running host, which may have. */
    RegDeleteKeyValueW(HKEY_LOCAL_MACHINE, TAKEOVER_KEY, L"Active");
    bitsdo_host_stop();
    for (i = 0; i < ARRAYSIZE(bitsdo_system_classes); i++) {
        clsid_names(bitsdo_system_classes[i].clsid, key, saved, ARRAYSIZE(key));
        if ((err = restore_class(key, saved)) && !first)
            first = err;
    }
    if (first)
        return HRESULT_FROM_WIN32(first); /* the copies stay for another try */
    forget_takeover();
    return S_OK;
}

HRESULT bitsdo_takeover(BOOL force)
{
    WCHAR dll[MAX_PATH], host[MAX_PATH + 2], appid[40], key[80], saved[160], message[256], *slash;
    const WCHAR *service;
    DWORD len, active = 1;
    LONG err = ERROR_SUCCESS;
    HRESULT hr;
    size_t i;

    if (!force && (service = native_service())) {
        swprintf(message, ARRAYSIZE(message),
                 L"bitsdo: the %ls service of Windows is present; not taking over its classes "
                 L"(use /i:takeover,force to do it anyway). Nothing was changed.\n",
                 service);
        say(message);
        return HRESULT_FROM_WIN32(ERROR_SERVICE_EXISTS);
    }
    len = GetModuleFileNameW(bitsdo_instance, dll, ARRAYSIZE(dll));
    if (!len || len >= ARRAYSIZE(dll) || !(slash = wcsrchr(dll, L'\\')))
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    if (swprintf(host, ARRAYSIZE(host), L"\"%.*ls\\bitsdo-host.exe\"", (int)(slash - dll), dll) < 0)
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    StringFromGUID2(bitsdo_host_appid(), appid, ARRAYSIZE(appid));
    /* Our own classes, AppID and proxies first: the system classes point
     * at them. */
    if (FAILED(hr = bitsdo_register_server()))
        return hr;
    for (i = 0; i < ARRAYSIZE(bitsdo_system_classes) && !err; i++) {
        clsid_names(bitsdo_system_classes[i].clsid, key, saved, ARRAYSIZE(key));
        if (!(err = save_class(key, saved)))
            err = write_class(&bitsdo_system_classes[i], key, dll, host, appid);
    }
    if (!err)
        err = RegSetKeyValueW(HKEY_LOCAL_MACHINE, TAKEOVER_KEY, L"Active", REG_DWORD, &active, sizeof(active));
    if (err) {
        bitsdo_takeover_undo();
        return HRESULT_FROM_WIN32(err);
    }
    /* The next activation must reach us: Wine's BITS service keeps its
     * class registered with rpcss while it runs, and a host started before
     * the takeover has not registered the system classes. */
    stop_service(L"BITS");
    bitsdo_host_stop();
    return S_OK;
}
