/* The proxy/stub class: its class object (forwarded to the widl-generated
 * PrxDllGetClassObject of dlldata.c) and its registry entries.
 *
 * Registration writes CLSID\{BitsdoProxyStub}\InprocServer32 (this DLL,
 * ThreadingModel Both) and, for every interface of the generated proxy
 * files (the list, names and method counts come from those tables, so
 * nothing here has to be kept in step with the IDL), Interface\{IID} with
 * its name, ProxyStubClsid32 = CLSID_BitsdoProxyStub and NumMethods.
 *
 * Invariants:
 *   - Another registration of an interface (Wine's qmgrprxy.dll registers
 *     the BITS IIDs) is never lost: before the first overwrite the whole
 *     Interface\{IID} key is copied, values and subkeys byte for byte, to
 *     CLSID\{BitsdoProxyStub}\Saved\{IID}. A key that already names our
 *     class, or an IID that already has a saved copy, is not saved again,
 *     so registering twice keeps the original.
 *   - Unregistration puts back exactly what was there: a key that still
 *     names our class is deleted and its saved copy, if any, restored; a
 *     key that someone else registered after us is left as it is. The
 *     saved copies and the class key go last.
 */
#include "objects.h"

#include <rpcproxy.h>
#include <stdio.h>

/* dlldata.c (widl, ENTRY_PREFIX=Prx). */
extern const ProxyFileInfo *aProxyFileList[];
HRESULT WINAPI PrxDllGetClassObject(REFCLSID clsid, REFIID riid, void **out);
HRESULT WINAPI PrxDllCanUnloadNow(void);

HRESULT bitsdo_proxy_get_class_object(REFCLSID clsid, REFIID riid, void **out)
{
    return PrxDllGetClassObject(clsid, riid, out);
}

BOOL bitsdo_proxy_can_unload(void)
{
    return PrxDllCanUnloadNow() == S_OK;
}

/* Calls fn for every interface of the proxy files; stops at the first
 * failure and returns it. */
typedef HRESULT (*interface_fn)(const IID *iid, const char *name, ULONG methods, const WCHAR *ps);

static HRESULT for_each_interface(interface_fn fn, const WCHAR *ps)
{
    const ProxyFileInfo *const *file;
    HRESULT hr;
    unsigned int i;

    for (file = aProxyFileList; *file; file++)
        for (i = 0; i < (*file)->TableSize; i++) {
            const CInterfaceStubHeader *h = &(*file)->pStubVtblList[i]->header;
            if (FAILED(hr = fn(h->piid, (*file)->pNamesArray[i], h->DispatchTableCount, ps)))
                return hr;
        }
    return S_OK;
}

ULONG bitsdo_proxy_interface_count(void)
{
    const ProxyFileInfo *const *file;
    ULONG n = 0;

    for (file = aProxyFileList; *file; file++)
        n += (*file)->TableSize;
    return n;
}

static void key_names(const IID *iid, const WCHAR *ps, WCHAR *key, WCHAR *saved, size_t cap)
{
    WCHAR guid[40];

    StringFromGUID2(iid, guid, ARRAYSIZE(guid));
    swprintf(key, cap, L"Interface\\%ls", guid);
    swprintf(saved, cap, L"CLSID\\%ls\\Saved\\%ls", ps, guid);
}

BOOL bitsdo_reg_exists(const WCHAR *name)
{
    HKEY key;

    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, name, 0, KEY_READ, &key))
        return FALSE;
    RegCloseKey(key);
    return TRUE;
}

/* Does Interface\{IID}\ProxyStubClsid32 name our class? */
static BOOL names_us(const WCHAR *key, const WCHAR *ps)
{
    WCHAR sub[128], value[64];
    DWORD size = sizeof(value), type;

    swprintf(sub, ARRAYSIZE(sub), L"%ls\\ProxyStubClsid32", key);
    if (RegGetValueW(HKEY_CLASSES_ROOT, sub, NULL, RRF_RT_REG_SZ, &type, value, &size))
        return FALSE;
    return !_wcsicmp(value, ps);
}

/* A copy of the tree src (under HKCR) as dst; dst is created. */
static LONG copy_tree(const WCHAR *src, const WCHAR *dst)
{
    HKEY from, to;
    LONG err;

    if ((err = RegOpenKeyExW(HKEY_CLASSES_ROOT, src, 0, KEY_READ, &from)))
        return err;
    err = RegCreateKeyExW(HKEY_CLASSES_ROOT, dst, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &to, NULL);
    if (!err) {
        err = RegCopyTreeW(from, NULL, to);
        RegCloseKey(to);
        if (err)
            RegDeleteTreeW(HKEY_CLASSES_ROOT, dst);
    }
    RegCloseKey(from);
    return err;
}

/* Deletes HKCR\name with everything under it. RegDeleteTreeW is not
 * atomic: it enumerates and deletes subkey by subkey, so a pass can fail
 * halfway when another process opens, reads or touches the tree meanwhile
 * (under Wine a key with a subkey cannot be deleted, and a key deleted under
 * an open handle fails its enumeration). A failed pass is retried a bounded
 * number of times; what counts is the result: success when the key is gone,
 * the last error only when it is still there. */
LONG bitsdo_reg_delete_tree(const WCHAR *name)
{
    LONG err = ERROR_SUCCESS;
    int pass;

    for (pass = 0; pass < 5; pass++) {
        if (pass)
            Sleep(20 * pass);
        err = RegDeleteTreeW(HKEY_CLASSES_ROOT, name);
        if (err == ERROR_FILE_NOT_FOUND || !bitsdo_reg_exists(name))
            return ERROR_SUCCESS;
    }
    return err ? err : ERROR_ACCESS_DENIED;
}

static LONG delete_tree(const WCHAR *name)
{
    return bitsdo_reg_delete_tree(name);
}

/* Sets the default value (name NULL) or a named value of HKCR\key\sub
 * (sub NULL: of HKCR\key itself), creating the keys. */
static LONG set_sz(const WCHAR *key, const WCHAR *sub, const WCHAR *name, const WCHAR *value)
{
    WCHAR path[160];

    if (sub)
        swprintf(path, ARRAYSIZE(path), L"%ls\\%ls", key, sub);
    else
        swprintf(path, ARRAYSIZE(path), L"%ls", key);
    return RegSetKeyValueW(
        HKEY_CLASSES_ROOT, path, name, REG_SZ, value, (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
}

static HRESULT register_interface(const IID *iid, const char *name, ULONG methods, const WCHAR *ps)
{
    WCHAR key[128], saved[128], wname[128], count[16];
    LONG err = ERROR_SUCCESS;

    key_names(iid, ps, key, saved, ARRAYSIZE(key));
    if (bitsdo_reg_exists(key) && !names_us(key, ps) && !bitsdo_reg_exists(saved))
        err = copy_tree(key, saved);
    if (!err) {
        MultiByteToWideChar(CP_ACP, 0, name, -1, wname, ARRAYSIZE(wname));
        swprintf(count, ARRAYSIZE(count), L"%lu", methods);
        err = set_sz(key, NULL, NULL, wname);
    }
    if (!err)
        err = set_sz(key, L"ProxyStubClsid32", NULL, ps);
    if (!err)
        err = set_sz(key, L"NumMethods", NULL, count);
    return HRESULT_FROM_WIN32(err);
}

static HRESULT unregister_interface(const IID *iid, const char *name, ULONG methods, const WCHAR *ps)
{
    WCHAR key[128], saved[128];
    LONG err = ERROR_SUCCESS;

    (void)name;
    (void)methods;
    key_names(iid, ps, key, saved, ARRAYSIZE(key));
    if (names_us(key, ps)) {
        err = delete_tree(key);
        if (!err && bitsdo_reg_exists(saved))
            err = copy_tree(saved, key);
    }
    if (!err)
        err = delete_tree(saved);
    return HRESULT_FROM_WIN32(err);
}

/* Both passes go over every interface even after a failure, so that a
 * half-done registration is undone completely. */
static HRESULT unregister_all(const WCHAR *ps)
{
    const ProxyFileInfo *const *file;
    HRESULT hr = S_OK, one;
    unsigned int i;

    for (file = aProxyFileList; *file; file++)
        for (i = 0; i < (*file)->TableSize; i++) {
            const CInterfaceStubHeader *h = &(*file)->pStubVtblList[i]->header;
            if (FAILED(one = unregister_interface(h->piid, (*file)->pNamesArray[i], 0, ps)))
                hr = one;
        }
    return hr;
}

HRESULT bitsdo_proxy_unregister(void)
{
    WCHAR ps[40], clsid[64];
    HRESULT hr;
    LONG err;

    StringFromGUID2(&CLSID_BitsdoProxyStub, ps, ARRAYSIZE(ps));
    hr = unregister_all(ps);
    if (FAILED(hr))
        return hr; /* keep the saved copies while some are not restored */
    swprintf(clsid, ARRAYSIZE(clsid), L"CLSID\\%ls", ps);
    err = delete_tree(clsid);
    return HRESULT_FROM_WIN32(err);
}

HRESULT bitsdo_proxy_register(const WCHAR *path)
{
    WCHAR ps[40], clsid[64];
    HRESULT hr;
    LONG err;

    StringFromGUID2(&CLSID_BitsdoProxyStub, ps, ARRAYSIZE(ps));
    swprintf(clsid, ARRAYSIZE(clsid), L"CLSID\\%ls", ps);
    err = set_sz(clsid, NULL, NULL, L"bitsdo proxies and stubs (BITS, Delivery Optimization, BITS 1.0)");
    if (!err)
        err = set_sz(clsid, L"InprocServer32", NULL, path);
    if (!err)
        err = set_sz(clsid, L"InprocServer32", L"ThreadingModel", L"Both");
    hr = HRESULT_FROM_WIN32(err);
    if (SUCCEEDED(hr))
        hr = for_each_interface(register_interface, ps);
    if (FAILED(hr))
        bitsdo_proxy_unregister();
    return hr;
}
