/* The COM server itself: what regsvr32 writes and removes, activation from
 * STA and MTA threads, DllGetClassObject and the class factory, and
 * DllCanUnloadNow counting every object and lock.
 *
 * Runs alone (RUN_SERIAL): it unregisters the DLL for a moment. Whatever
 * happens, the DLL is registered again when the program ends.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#include <stdlib.h>

static const CLSID *const our_classes[] = {
    &CLSID_BitsdoManager,
    &CLSID_BitsdoQMgr,
    &CLSID_BitsdoDeliveryOptimization,
    &CLSID_BitsdoPrivateManager,
    &CLSID_BitsdoPrivateQMgr,
    &CLSID_BitsdoPrivateDeliveryOptimization,
    &CLSID_BitsdoProxyStub,
    &CLSID_BitsdoJobClient,
};
#define N_CLASSES (sizeof(our_classes) / sizeof(our_classes[0]))

static WCHAR dll_path[MAX_PATH];   /* as registered by the fixture */
static HMODULE dll;                /* our own LoadLibrary reference */
static LPFNGETCLASSOBJECT get_class_object;
static HRESULT (WINAPI *can_unload_now)(void);

static void clsid_key(const CLSID *clsid, WCHAR *key, size_t cap)
{
    WCHAR guid[40];

    StringFromGUID2(clsid, guid, 40);
    swprintf(key, cap, L"CLSID\\%ls", guid);
}

static BOOL class_key_exists(const CLSID *clsid)
{
    WCHAR name[64];
    HKEY key;

    clsid_key(clsid, name, 64);
    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, name, 0, KEY_READ, &key))
        return FALSE;
    RegCloseKey(key);
    return TRUE;
}

/* Reads HKCR\CLSID\{clsid}\InprocServer32's default value and
 * ThreadingModel. FALSE if missing. */
static BOOL read_inproc(const CLSID *clsid, WCHAR *path, DWORD path_bytes, WCHAR *model, DWORD model_bytes)
{
    WCHAR name[100];
    DWORD type;
    HKEY key;
    LONG err;

    clsid_key(clsid, name, 64);
    wcscat(name, L"\\InprocServer32");
    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, name, 0, KEY_READ, &key))
        return FALSE;
    err = RegQueryValueExW(key, NULL, NULL, &type, (BYTE *)path, &path_bytes);
    if (!err && type != REG_SZ && type != REG_EXPAND_SZ)
        err = ERROR_INVALID_DATA;
    if (!err)
        err = RegQueryValueExW(key, L"ThreadingModel", NULL, &type, (BYTE *)model, &model_bytes);
    RegCloseKey(key);
    return !err;
}

/* A string value of HKCR\\sub (NULL: the default value), or FALSE. */
static BOOL read_value(const WCHAR *sub, const WCHAR *value, WCHAR *out, DWORD out_bytes)
{
    HKEY key;
    DWORD type;
    LONG err;

    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, sub, 0, KEY_READ, &key))
        return FALSE;
    err = RegQueryValueExW(key, value, NULL, &type, (BYTE *)out, &out_bytes);
    RegCloseKey(key);
    return !err && type == REG_SZ;
}

/* The shared classes are also LocalServer32 (bitsdo-host.exe, quoted,
 * beside the DLL) with an AppID that exists; the private ones are
 * in-process only. */
static void check_local_server(void)
{
    WCHAR name[100], value[MAX_PATH + 8], appid[64], appid_key[80];
    const CLSID *shared[] = {&CLSID_BitsdoManager, &CLSID_BitsdoQMgr, &CLSID_BitsdoDeliveryOptimization};
    const CLSID *private_classes[] = {&CLSID_BitsdoPrivateManager, &CLSID_BitsdoPrivateQMgr,
                                      &CLSID_BitsdoPrivateDeliveryOptimization, &CLSID_BitsdoJobClient};
    size_t i, len;

    for (i = 0; i < ARRAYSIZE(shared); i++) {
        clsid_key(shared[i], name, 64);
        assert_true(read_value(name, L"AppID", appid, sizeof(appid)));
        swprintf(appid_key, ARRAYSIZE(appid_key), L"AppID\\%ls", appid);
        assert_true(read_value(appid_key, NULL, value, sizeof(value)));
        wcscat(name, L"\\LocalServer32");
        assert_true(read_value(name, NULL, value, sizeof(value)));
        len = wcslen(value);
        assert_true(len > 17 && value[0] == L'"' && !_wcsicmp(value + len - 17, L"\\bitsdo-host.exe\""));
    }
    for (i = 0; i < ARRAYSIZE(private_classes); i++) {
        clsid_key(private_classes[i], name, 64);
        assert_false(read_value(name, L"AppID", appid, sizeof(appid)));
        wcscat(name, L"\\LocalServer32");
        assert_false(read_value(name, NULL, value, sizeof(value)));
    }
}

/* Runs regsvr32 with the given switches on our DLL; returns its exit code.
 * The regsvr32 of our own bitness, as the fixture used: in a 32-bit build
 * under WoW64 the one in syswow64, which writes the 32-bit registry view. */
static DWORD run_regsvr32(const WCHAR *switches)
{
    WCHAR exe[MAX_PATH], cmd[2 * MAX_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = (DWORD)-1;

    if (sizeof(void *) == 8 || !GetSystemWow64DirectoryW(exe, MAX_PATH))
        GetSystemDirectoryW(exe, MAX_PATH);
    wcscat(exe, L"\\regsvr32.exe");
    swprintf(cmd, ARRAYSIZE(cmd), L"regsvr32.exe %ls \"%ls\"", switches, dll_path);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        print_error("cannot run %ls (error %lu)\n", exe, GetLastError());
        return code;
    }
    if (WaitForSingleObject(pi.hProcess, 120000) == WAIT_OBJECT_0)
        GetExitCodeProcess(pi.hProcess, &code);
    else
        print_error("regsvr32 %ls did not finish within 120 s\n", switches);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

/* "bitsdo-host.exe -Stop" (beside the DLL): a host left by an earlier test
 * (it leaves 2 s after its last client) holds our classes open and reads the
 * registration while this test takes it away; stopping it first makes the
 * unregistration see a quiet registry. Returns the exit code (0: no host
 * runs any more). */
static DWORD stop_host(void)
{
    WCHAR exe[MAX_PATH], cmd[MAX_PATH + 16], *slash;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = (DWORD)-1;

    wcscpy(exe, dll_path);
    if (!(slash = wcsrchr(exe, L'\\')))
        return code;
    wcscpy(slash + 1, L"bitsdo-host.exe");
    swprintf(cmd, ARRAYSIZE(cmd), L"\"%ls\" -Stop", exe);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        print_error("cannot run %ls (error %lu)\n", exe, GetLastError());
        return code;
    }
    if (WaitForSingleObject(pi.hProcess, 60000) == WAIT_OBJECT_0)
        GetExitCodeProcess(pi.hProcess, &code);
    else
        print_error("bitsdo-host.exe -Stop did not finish within 60 s\n");
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

static int group_setup(void **state)
{
    WCHAR model[64];

    if (tu_group_setup(state))
        return -1;
    if (!read_inproc(&CLSID_BitsdoManager, dll_path, sizeof(dll_path), model, sizeof(model))) {
        print_error("CLSID_BitsdoManager is not registered: did the wineprefix fixture run?\n");
        return -1;
    }
    if (!(dll = LoadLibraryW(dll_path))) {
        print_error("cannot load %ls (error %lu)\n", dll_path, GetLastError());
        return -1;
    }
    get_class_object = (LPFNGETCLASSOBJECT)(void *)GetProcAddress(dll, "DllGetClassObject");
    can_unload_now = (HRESULT(WINAPI *)(void))(void *)GetProcAddress(dll, "DllCanUnloadNow");
    if (!get_class_object || !can_unload_now)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    HRESULT (WINAPI *reg)(void);

    /* Leave the DLL registered, whatever happened. */
    if (!class_key_exists(&CLSID_BitsdoManager)) {
        print_message("re-registering %ls\n", dll_path);
        if (run_regsvr32(L"/s") != 0 &&
            (reg = (HRESULT(WINAPI *)(void))(void *)GetProcAddress(dll, "DllRegisterServer")))
            reg();
    }
    FreeLibrary(dll);
    return tu_group_teardown(state);
}

/* --- registration ---------------------------------------------------------- */

static void test_registration_values(void **state)
{
    WCHAR path[MAX_PATH], model[64], name[64], title[256];
    DWORD size = sizeof(title);
    size_t len;

    (void)state;
    assert_true(read_inproc(&CLSID_BitsdoManager, path, sizeof(path), model, sizeof(model)));
    print_message("InprocServer32 = %ls, ThreadingModel = %ls\n", path, model);
    assert_wstr_equal(model, L"Both");
    len = wcslen(path);
    assert_true(len > 10 && !_wcsicmp(path + len - 10, L"bitsdo.dll"));
    /* An absolute path to the DLL that is really there. */
    assert_true(path[1] == L':' || (path[0] == L'\\' && path[1] == L'\\'));
    assert_true(tu_exists(path));
    check_local_server();
    /* The class has a name. */
    clsid_key(&CLSID_BitsdoManager, name, 64);
    assert_int_equal(RegGetValueW(HKEY_CLASSES_ROOT, name, NULL, RRF_RT_REG_SZ, NULL, title, &size), ERROR_SUCCESS);
    assert_true(wcslen(title) > 0);
}

/* HKCR\CLSID\{clsid}\InprocServer32 in one registry view: 0 and its
 * default value in path, or the error. */
static LONG read_inproc_view(const CLSID *clsid, REGSAM view, WCHAR *path, DWORD path_bytes)
{
    WCHAR name[100];
    HKEY key;
    LONG err;

    clsid_key(clsid, name, 64);
    wcscat(name, L"\\InprocServer32");
    if ((err = RegOpenKeyExW(HKEY_CLASSES_ROOT, name, 0, KEY_READ | view, &key)))
        return err;
    err = RegQueryValueExW(key, NULL, NULL, NULL, (BYTE *)path, &path_bytes);
    RegCloseKey(key);
    return err;
}

/* As on Windows, a DLL registers into the registry view of its own
 * bitness: the 64-bit one by the 64-bit regsvr32 into the 64-bit view, the
 * 32-bit one by syswow64's regsvr32 into the 32-bit view (WOW6432Node). A
 * process reads its own view by default (KEY_WOW64_32KEY is implied for a
 * 32-bit one). Each build's test prefix holds only its own half, so the
 * other view has no such key. */
static void test_registration_view(void **state)
{
    const int is32 = sizeof(void *) == 4;
    const REGSAM own = is32 ? KEY_WOW64_32KEY : KEY_WOW64_64KEY;
    const REGSAM other = is32 ? KEY_WOW64_64KEY : KEY_WOW64_32KEY;
    WCHAR path[MAX_PATH], name[100], guid[40];
    BOOL wow64 = FALSE;
    HKEY key;
    size_t i;

    (void)state;
    assert_true(IsWow64Process(GetCurrentProcess(), &wow64));
    /* the test prefixes are win64 ones: a 32-bit build runs under WoW64 */
    assert_int_equal(wow64, is32);
    for (i = 0; i < N_CLASSES; i++) {
        if (!class_key_exists(our_classes[i]))
            continue; /* a class this DLL does not register (yet) */
        path[0] = 0;
        assert_int_equal(read_inproc_view(our_classes[i], own, path, sizeof(path)), ERROR_SUCCESS);
        assert_int_equal(_wcsicmp(path, dll_path), 0);
        assert_int_equal(read_inproc_view(our_classes[i], other, path, sizeof(path)), ERROR_FILE_NOT_FOUND);
    }
    /* Where the 32-bit view lives: HKLM\Software\Classes\WOW6432Node. */
    StringFromGUID2(&CLSID_BitsdoManager, guid, 40);
    swprintf(name, ARRAYSIZE(name), L"Software\\Classes\\WOW6432Node\\CLSID\\%ls", guid);
    assert_int_equal(RegOpenKeyExW(HKEY_LOCAL_MACHINE, name, 0, KEY_READ | KEY_WOW64_64KEY, &key) == ERROR_SUCCESS,
                     is32);
    if (is32)
        RegCloseKey(key);
}

static void test_unregister_register(void **state)
{
    IBackgroundCopyManager *mgr = (IBackgroundCopyManager *)(ULONG_PTR)1;
    BOOL registered[N_CLASSES];
    WCHAR path[MAX_PATH], model[64];
    DWORD code;
    size_t i;
    HRESULT hr;

    (void)state;
    for (i = 0; i < N_CLASSES; i++)
        registered[i] = class_key_exists(our_classes[i]);
    assert_true(registered[0]);

    /* No host from an earlier test reads the registration meanwhile. */
    assert_int_equal(stop_host(), 0);
    /* regsvr32 /u: every key we wrote is gone, the rest of HKCR stays. */
    code = run_regsvr32(L"/s /u");
    if (code) {
        /* Which HRESULT, and which keys stayed: for the report. */
        HRESULT(WINAPI * unregister)(void) =
            (HRESULT(WINAPI *)(void))(void *)GetProcAddress(dll, "DllUnregisterServer");
        for (i = 0; i < N_CLASSES; i++)
            if (class_key_exists(our_classes[i]))
                print_error("class %u of our_classes still registered\n", (unsigned)i);
        print_error("regsvr32 /s /u exited %lu; DllUnregisterServer again here: 0x%08lx\n", code,
                    unregister ? (unsigned long)unregister() : 0ul);
    }
    assert_int_equal(code, 0);
    for (i = 0; i < N_CLASSES; i++)
        assert_false(class_key_exists(our_classes[i]));
    {
        HKEY key;
        assert_int_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, L"CLSID", 0, KEY_READ, &key), ERROR_SUCCESS);
        RegCloseKey(key);
    }
    hr = CoCreateInstance(&CLSID_BitsdoManager, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&mgr);
    assert_hr(REGDB_E_CLASSNOTREG, hr);
    assert_null(mgr);
    /* A second /u has nothing to remove and still succeeds. */
    assert_int_equal(run_regsvr32(L"/s /u"), 0);

    /* regsvr32: back, with the same values. */
    assert_int_equal(run_regsvr32(L"/s"), 0);
    for (i = 0; i < N_CLASSES; i++) {
        if (!registered[i])
            continue; /* a class this DLL does not register (yet) */
        assert_true(read_inproc(our_classes[i], path, sizeof(path), model, sizeof(model)));
        assert_int_equal(_wcsicmp(path, dll_path), 0);
        assert_wstr_equal(model, L"Both");
    }
    mgr = tu_manager();
    IBackgroundCopyManager_Release(mgr);
    /* Registering twice is harmless. */
    assert_int_equal(run_regsvr32(L"/s"), 0);
    assert_true(class_key_exists(&CLSID_BitsdoManager));
}

/* --- the proxy/stub class and the Interface keys --------------------------- */

/* A dump of a registry tree: every key path, every value with its type and
 * its bytes, in enumeration order, as one byte string. Two dumps are equal
 * only if the trees are byte-identical. */
typedef struct reg_dump {
    char *data;
    size_t len, cap;
    unsigned keys, values;
} reg_dump;

static void dump_put(reg_dump *d, const void *p, size_t n)
{
    if (d->len + n > d->cap) {
        d->cap = (d->len + n) * 2 + 4096;
        d->data = realloc(d->data, d->cap);
        assert_non_null(d->data);
    }
    memcpy(d->data + d->len, p, n);
    d->len += n;
}

static void dump_tree(reg_dump *d, HKEY parent, const WCHAR *path)
{
    WCHAR name[256], sub[512];
    BYTE data[4096];
    DWORD i, name_len, data_len, type;
    HKEY key;
    LONG err;

    if (RegOpenKeyExW(parent, path, 0, KEY_READ, &key)) {
        dump_put(d, L"<absent>", 8 * sizeof(WCHAR));
        return;
    }
    d->keys++;
    dump_put(d, path, wcslen(path) * sizeof(WCHAR));
    dump_put(d, L"\n", sizeof(WCHAR));
    for (i = 0;; i++) {
        name_len = ARRAYSIZE(name);
        data_len = sizeof(data);
        err = RegEnumValueW(key, i, name, &name_len, NULL, &type, data, &data_len);
        if (err == ERROR_NO_MORE_ITEMS)
            break;
        assert_int_equal(err, ERROR_SUCCESS);
        d->values++;
        dump_put(d, name, name_len * sizeof(WCHAR));
        dump_put(d, &type, sizeof(type));
        dump_put(d, &data_len, sizeof(data_len));
        dump_put(d, data, data_len);
    }
    for (i = 0;; i++) {
        name_len = ARRAYSIZE(name);
        err = RegEnumKeyExW(key, i, name, &name_len, NULL, NULL, NULL, NULL);
        if (err == ERROR_NO_MORE_ITEMS)
            break;
        assert_int_equal(err, ERROR_SUCCESS);
        swprintf(sub, ARRAYSIZE(sub), L"%ls\\%ls", path, name);
        dump_tree(d, HKEY_CLASSES_ROOT, sub);
    }
    RegCloseKey(key);
}

/* The whole of HKCR\Interface. */
static reg_dump dump_interfaces(void)
{
    reg_dump d = {0};

    dump_tree(&d, HKEY_CLASSES_ROOT, L"Interface");
    return d;
}

static void assert_dumps_equal(const reg_dump *a, const reg_dump *b, const char *what)
{
    size_t i = 0;

    if (a->len == b->len && !memcmp(a->data, b->data, a->len))
        return;
    while (i < a->len && i < b->len && a->data[i] == b->data[i])
        i++;
    i -= i % sizeof(WCHAR);
    print_error("%s: HKCR\\Interface differs (%u/%u keys, %u/%u values) at byte %u, near \"%.60ls\"\n",
                what, a->keys, b->keys, a->values, b->values, (unsigned)i,
                (const WCHAR *)(a->data + (i > 80 ? i - 80 : 0)));
    fail();
}

/* HKCR\Interface\{iid}\ProxyStubClsid32's default value; L"" if absent. */
static void proxy_clsid_of(const IID *iid, WCHAR *out, DWORD bytes)
{
    WCHAR guid[40], key[100];

    StringFromGUID2(iid, guid, 40);
    swprintf(key, ARRAYSIZE(key), L"Interface\\%ls\\ProxyStubClsid32", guid);
    if (RegGetValueW(HKEY_CLASSES_ROOT, key, NULL, RRF_RT_REG_SZ, NULL, out, &bytes))
        out[0] = 0;
}

static void test_proxy_registration(void **state)
{
    WCHAR ours[40], ps[40], wine_job_ps[40], key[100], value[64], path[MAX_PATH], model[64];
    DWORD size;
    reg_dump registered, unregistered, again;

    (void)state;
    StringFromGUID2(&CLSID_BitsdoProxyStub, ours, 40);
    /* The fixture registered the DLL: our class serves the proxies ... */
    assert_true(read_inproc(&CLSID_BitsdoProxyStub, path, sizeof(path), model, sizeof(model)));
    assert_int_equal(_wcsicmp(path, dll_path), 0);
    assert_wstr_equal(model, L"Both");
    /* ... of every interface, with its name and method count. */
    proxy_clsid_of(&IID_IBackgroundCopyJob, ps, sizeof(ps));
    assert_int_equal(_wcsicmp(ps, ours), 0);
    proxy_clsid_of(&IID_IDOManager, ps, sizeof(ps));
    assert_int_equal(_wcsicmp(ps, ours), 0);
    proxy_clsid_of(&IID_IBackgroundCopyQMgr, ps, sizeof(ps));
    assert_int_equal(_wcsicmp(ps, ours), 0);
    proxy_clsid_of(&IID_IBackgroundCopyCallback1, ps, sizeof(ps));
    assert_int_equal(_wcsicmp(ps, ours), 0);
    size = sizeof(value);
    assert_int_equal(RegGetValueW(HKEY_CLASSES_ROOT,
                                  L"Interface\\{E847030C-BBBA-4657-AF6D-484AA42BF1FE}\\NumMethods", NULL,
                                  RRF_RT_REG_SZ, NULL, value, &size), ERROR_SUCCESS);
    assert_wstr_equal(value, L"55"); /* IBackgroundCopyJob5: 3 + 32 + 8 + 4 + 6 + 2 */
    size = sizeof(value);
    assert_int_equal(RegGetValueW(HKEY_CLASSES_ROOT, L"Interface\\{E847030C-BBBA-4657-AF6D-484AA42BF1FE}",
                                  NULL, RRF_RT_REG_SZ, NULL, value, &size), ERROR_SUCCESS);
    assert_wstr_equal(value, L"IBackgroundCopyJob5");
    registered = dump_interfaces();

    /* regsvr32 /u puts back what was there: Wine's qmgrprxy.dll registers
     * IBackgroundCopyJob (its own ProxyStubClsid32 comes back); nobody
     * else registers IDOManager (its key goes). */
    assert_int_equal(stop_host(), 0);
    assert_int_equal(run_regsvr32(L"/s /u"), 0);
    assert_false(class_key_exists(&CLSID_BitsdoProxyStub));
    proxy_clsid_of(&IID_IBackgroundCopyJob, wine_job_ps, sizeof(wine_job_ps));
    print_message("IBackgroundCopyJob without bitsdo: ProxyStubClsid32 = \"%ls\"\n", wine_job_ps);
    assert_true(_wcsicmp(wine_job_ps, ours) != 0);
    proxy_clsid_of(&IID_IDOManager, ps, sizeof(ps));
    assert_wstr_equal(ps, L"");
    StringFromGUID2(&IID_IDOManager, ps, 40);
    swprintf(key, ARRAYSIZE(key), L"Interface\\%ls", ps);
    {
        HKEY k;
        assert_int_not_equal(RegOpenKeyExW(HKEY_CLASSES_ROOT, key, 0, KEY_READ, &k), ERROR_SUCCESS);
    }
    unregistered = dump_interfaces();
    print_message("HKCR\\Interface: %u keys, %u values registered; %u keys, %u values not\n",
                  registered.keys, registered.values, unregistered.keys, unregistered.values);

    /* Registering twice, then once unregistering, still gives back exactly
     * the unregistered tree (the saved copies are the originals). */
    assert_int_equal(run_regsvr32(L"/s"), 0);
    again = dump_interfaces();
    assert_dumps_equal(&registered, &again, "after register");
    free(again.data);
    assert_int_equal(run_regsvr32(L"/s"), 0);
    again = dump_interfaces();
    assert_dumps_equal(&registered, &again, "after registering twice");
    free(again.data);
    assert_int_equal(run_regsvr32(L"/s /u"), 0);
    again = dump_interfaces();
    assert_dumps_equal(&unregistered, &again, "after unregister");
    free(again.data);
    assert_false(class_key_exists(&CLSID_BitsdoProxyStub));

    /* And back to registered, as the other tests need it. */
    assert_int_equal(run_regsvr32(L"/s"), 0);
    again = dump_interfaces();
    assert_dumps_equal(&registered, &again, "after register again");
    free(again.data);
    free(registered.data);
    free(unregistered.data);
}

/* --- activation from an STA and an MTA ------------------------------------- */

typedef struct activation {
    DWORD coinit;
    HRESULT init_hr, create_hr, job_hr;
    BG_JOB_STATE state;
    const void *vtbl;
} activation;

static DWORD WINAPI activation_thread(void *arg)
{
    activation *a = arg;
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    GUID id;

    a->init_hr = CoInitializeEx(NULL, a->coinit);
    if (FAILED(a->init_hr))
        return 0;
    a->create_hr = CoCreateInstance(&CLSID_BitsdoPrivateManager, NULL, CLSCTX_INPROC_SERVER,
                                    &IID_IBackgroundCopyManager, (void **)&mgr);
    if (SUCCEEDED(a->create_hr)) {
        a->vtbl = mgr->lpVtbl;
        a->job_hr = IBackgroundCopyManager_CreateJob(mgr, L"apartment", BG_JOB_TYPE_DOWNLOAD, &id, &job);
        if (SUCCEEDED(a->job_hr)) {
            IBackgroundCopyJob_GetState(job, &a->state);
            a->job_hr = IBackgroundCopyJob_Cancel(job);
            IBackgroundCopyJob_Release(job);
        }
        IBackgroundCopyManager_Release(mgr);
    }
    CoUninitialize();
    return 0;
}

static void run_activation(activation *a, DWORD coinit)
{
    HANDLE thread;

    memset(a, 0, sizeof(*a));
    a->coinit = coinit;
    a->state = (BG_JOB_STATE)-1;
    thread = CreateThread(NULL, 0, activation_thread, a, 0, NULL);
    assert_non_null(thread);
    assert_true(tu_wait_event(thread, 60000));
    CloseHandle(thread);
}

static BOOL in_our_dll(const void *p)
{
    MEMORY_BASIC_INFORMATION mbi;

    return VirtualQuery(p, &mbi, sizeof(mbi)) && mbi.AllocationBase == (void *)dll;
}

static void test_activation_sta_mta(void **state)
{
    activation sta, mta;

    (void)state;
    run_activation(&sta, COINIT_APARTMENTTHREADED);
    run_activation(&mta, COINIT_MULTITHREADED);
    assert_hr(S_OK, sta.init_hr);
    assert_hr(S_OK, sta.create_hr);
    assert_hr(S_OK, sta.job_hr);
    assert_int_equal(sta.state, BG_JOB_STATE_SUSPENDED);
    assert_hr(S_OK, mta.init_hr);
    assert_hr(S_OK, mta.create_hr);
    assert_hr(S_OK, mta.job_hr);
    assert_int_equal(mta.state, BG_JOB_STATE_SUSPENDED);
    /* ThreadingModel=Both: both apartments get the object itself from our
     * DLL, not a proxy. */
    assert_true(sta.vtbl == mta.vtbl);
    assert_true(in_our_dll(sta.vtbl));
}

/* --- DllGetClassObject and the factory --------------------------------------- */

static void test_class_factory(void **state)
{
    IClassFactory *cf = NULL;
    IUnknown *unk = (IUnknown *)(ULONG_PTR)1;
    IBackgroundCopyManager *mgr = (IBackgroundCopyManager *)(ULONG_PTR)1;
    IBackgroundCopyJob *job = (IBackgroundCopyJob *)(ULONG_PTR)1;
    CLSID unknown;
    void *out = (void *)(ULONG_PTR)1;

    (void)state;
    assert_null_arg(get_class_object(&CLSID_BitsdoPrivateManager, &IID_IClassFactory, NULL));
    CoCreateGuid(&unknown);
    assert_hr(CLASS_E_CLASSNOTAVAILABLE, get_class_object(&unknown, &IID_IClassFactory, &out));
    assert_null(out);
    out = (void *)(ULONG_PTR)1;
    assert_hr(E_NOINTERFACE, get_class_object(&CLSID_BitsdoPrivateManager, &IID_IBackgroundCopyManager, &out));
    assert_null(out);
    assert_hr(S_OK, get_class_object(&CLSID_BitsdoPrivateManager, &IID_IUnknown, (void **)&unk));
    IUnknown_Release(unk);

    assert_hr(S_OK, get_class_object(&CLSID_BitsdoPrivateManager, &IID_IClassFactory, (void **)&cf));
    assert_non_null(cf);
    /* No aggregation. */
    assert_hr(CLASS_E_NOAGGREGATION, IClassFactory_CreateInstance(cf, (IUnknown *)cf, &IID_IUnknown, (void **)&unk));
    assert_null(unk);
    assert_null_arg(IClassFactory_CreateInstance(cf, NULL, &IID_IBackgroundCopyManager, NULL));
    /* The manager does not answer for a job's interface. */
    assert_hr(E_NOINTERFACE, IClassFactory_CreateInstance(cf, NULL, &IID_IBackgroundCopyJob, (void **)&job));
    assert_null(job);
    assert_hr(S_OK, IClassFactory_CreateInstance(cf, NULL, &IID_IBackgroundCopyManager, (void **)&mgr));
    assert_non_null(mgr);
    IBackgroundCopyManager_Release(mgr);
    /* QueryInterface of the factory. */
    assert_hr(S_OK, IClassFactory_QueryInterface(cf, &IID_IUnknown, (void **)&unk));
    IUnknown_Release(unk);
    assert_hr(E_NOINTERFACE, IClassFactory_QueryInterface(cf, &IID_IBackgroundCopyManager, (void **)&unk));
    IClassFactory_Release(cf);
}

/* --- DllCanUnloadNow ----------------------------------------------------------- */

static BOOL can_unload(void *ctx)
{
    (void)ctx;
    return can_unload_now() == S_OK;
}

/* Waits (bounded) until DllCanUnloadNow says S_OK: worker threads may need a
 * moment to drop their last reference after a job ended. */
static void expect_unloadable(void)
{
    if (!tu_wait_until(can_unload, NULL, 10000)) {
        print_error("DllCanUnloadNow still S_FALSE after 10 s\n");
        fail();
    }
}

static IClassFactory *factory(void)
{
    IClassFactory *cf = NULL;

    assert_hr(S_OK, get_class_object(&CLSID_BitsdoPrivateManager, &IID_IClassFactory, (void **)&cf));
    return cf;
}

static void test_lock_server(void **state)
{
    IClassFactory *cf;

    (void)state;
    expect_unloadable();
    /* A live factory keeps the DLL. */
    cf = factory();
    assert_hr(S_FALSE, can_unload_now());
    /* Locks count: two locks need two unlocks. */
    assert_hr(S_OK, IClassFactory_LockServer(cf, TRUE));
    assert_hr(S_OK, IClassFactory_LockServer(cf, TRUE));
    IClassFactory_Release(cf);
    assert_hr(S_FALSE, can_unload_now());
    cf = factory();
    assert_hr(S_OK, IClassFactory_LockServer(cf, FALSE));
    IClassFactory_Release(cf);
    assert_hr(S_FALSE, can_unload_now());
    cf = factory();
    assert_hr(S_OK, IClassFactory_LockServer(cf, FALSE));
    assert_hr(S_FALSE, can_unload_now()); /* the factory itself is still alive */
    IClassFactory_Release(cf);
    assert_hr(S_OK, can_unload_now());
}

static void test_unload_after_objects(void **state)
{
    IClassFactory *cf;
    IBackgroundCopyManager *mgr;
    IBackgroundCopyJob *job;
    IEnumBackgroundCopyJobs *jobs;
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file;
    IBackgroundCopyError *err;
    WCHAR src[MAX_PATH], local[MAX_PATH], missing[MAX_PATH];
    GUID id;

    (void)state;
    expect_unloadable();

    /* The manager. */
    cf = factory();
    assert_hr(S_OK, IClassFactory_CreateInstance(cf, NULL, &IID_IBackgroundCopyManager, (void **)&mgr));
    IClassFactory_Release(cf);
    assert_hr(S_FALSE, can_unload_now());
    IBackgroundCopyManager_Release(mgr);
    assert_hr(S_OK, can_unload_now());

    /* A job lives on in the manager's list after every interface is
     * released (as BITS jobs do): the DLL must stay. */
    mgr = tu_manager();
    job = tu_create_job(mgr, L"lingering", &id);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    assert_hr(S_FALSE, can_unload_now());
    mgr = tu_manager();
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(mgr, &id, &job));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    expect_unloadable();

    /* A whole transfer with every kind of object, all released. */
    tu_path(src, MAX_PATH, L"unload.src");
    tu_path(local, MAX_PATH, L"unload.bin");
    tu_make_file(src, 3 * TU_MB, 8);
    mgr = tu_manager();
    job = tu_create_job(mgr, L"objects", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(job, &files));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL));
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &jobs));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(tu_files_equal(src, local));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    /* Each of these alone still holds the DLL. */
    assert_hr(S_FALSE, can_unload_now());
    IEnumBackgroundCopyJobs_Release(jobs);
    assert_hr(S_FALSE, can_unload_now());
    IEnumBackgroundCopyFiles_Release(files);
    assert_hr(S_FALSE, can_unload_now());
    IBackgroundCopyFile_Release(file);
    expect_unloadable();

    /* An error object outlives its cancelled job and still holds the DLL. */
    tu_path(missing, MAX_PATH, L"unload-missing.src");
    mgr = tu_manager();
    job = tu_create_job(mgr, L"error", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, missing, local));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_GetError(job, &err));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    assert_hr(S_FALSE, can_unload_now());
    IBackgroundCopyError_Release(err);
    expect_unloadable();

    DeleteFileW(src);
    DeleteFileW(local);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registration_values),
        cmocka_unit_test(test_registration_view),
        cmocka_unit_test(test_activation_sta_mta),
        cmocka_unit_test(test_class_factory),
        cmocka_unit_test(test_lock_server),
        cmocka_unit_test_teardown(test_unload_after_objects, tu_cancel_all_jobs),
        cmocka_unit_test(test_unregister_register),
        cmocka_unit_test(test_proxy_registration),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
