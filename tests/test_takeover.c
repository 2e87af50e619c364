/* The takeover of Windows' CLSIDs (issue 11): regsvr32 /i:takeover and its
 * undo, and unmodified clients of the system classes in child processes:
 *   - the registry: every system class routed to us, Wine's AppID left
 *     alone, takeover twice harmless, undo (/u /n /i:takeover, /u
 *     /i:takeover, plain /u) giving back an export of HKCR\CLSID and
 *     HKCR\AppID byte for byte as it was;
 *   - on "Windows" (BITSDO_TAKEOVER_AS_WINDOWS=1) it refuses and changes
 *     nothing, unless ",force";
 *   - client_bits_system: every BITS CLSID in both contexts with a transfer
 *     from nginx, done by bitsdo; a job created by one process and found
 *     by another with GetJob; client_qmgr on CLSID_BackgroundCopyQMgr;
 *     client_do_system on CLSID_DeliveryOptimization (LOCAL_SERVER,
 *     CoSetProxyBlanket); after undo a transfer through Wine's own BITS.
 * The shared test prefix is left as found: teardown undoes the takeover
 * and stops the host.
 *
 * SPDX-License-Identifier: MIT
 */
#include "host_util.h"
#include "http_util.h"

#include <stdio.h>
#include <stdlib.h>

#define FILE_SIZE (3u * TU_MB + 4321u)

static WCHAR dll_path[MAX_PATH]; /* as registered by the fixture */
static WCHAR bin_dir[MAX_PATH];  /* the test programs (and the host) */
static WCHAR data_dir[MAX_PATH]; /* downloads and exports */
static WCHAR source[MAX_PATH];   /* in nginx's www */
static WCHAR url[512];

static const struct {
    const WCHAR *guid;
    const WCHAR *name;
} system_classes[] = {
    {L"{4991D34B-80A1-4291-83B6-3328366B9097}", L"BackgroundCopyManager"},
    {L"{F087771F-D74F-4C1A-BB8A-E16ACA9124EA}", L"BackgroundCopyManager1_5"},
    {L"{6D18AD12-BDE3-4393-B311-099C346E6DF9}", L"BackgroundCopyManager2_0"},
    {L"{03CA98D6-FF5D-49B8-ABC6-03DD84127020}", L"BackgroundCopyManager2_5"},
    {L"{659CDEA7-489E-11D9-A9CD-000D56965251}", L"BackgroundCopyManager3_0"},
    {L"{BB6DF56B-CACE-11DC-9992-0019B93A3A84}", L"BackgroundCopyManager4_0"},
    {L"{1ECCA34C-E88A-44E3-8D6A-8921BDE9E452}", L"BackgroundCopyManager5_0"},
    {L"{4BD3E4E1-7BD4-4A2B-9964-496400DE5193}", L"BackgroundCopyManager10_1"},
    {L"{4575438F-A6C8-4976-B0FE-2F26B80D959E}", L"BackgroundCopyManager10_2"},
    {L"{5FD42AD5-C04E-4D36-ADC7-E08FF15737AD}", L"BackgroundCopyManager10_3"},
    {L"{69AD4AEE-51BE-439B-A92C-86AE490E8B30}", L"BackgroundCopyQMgr"},
    {L"{5B99FA76-721C-423C-ADAC-56D03C8A8007}", L"DeliveryOptimization"},
};
#define OUR_APPID L"{C46AE0C8-DE4D-4036-B4FA-3642584925C0}"
#define WINE_BITS_APPID L"AppID\\{69AD4AEE-51BE-439B-A92C-86AE490E8B30}"

/* --- helpers ----------------------------------------------------------------- */

static BOOL read_sz(HKEY root, const WCHAR *key, const WCHAR *name, WCHAR *out, DWORD bytes)
{
    return RegGetValueW(root, key, name, RRF_RT_REG_SZ, NULL, out, &bytes) == ERROR_SUCCESS;
}

static BOOL key_exists(HKEY root, const WCHAR *name)
{
    HKEY key;

    if (RegOpenKeyExW(root, name, 0, KEY_READ, &key))
        return FALSE;
    RegCloseKey(key);
    return TRUE;
}

static DWORD run_regsvr32(const WCHAR *switches)
{
    WCHAR exe[MAX_PATH], args[2 * MAX_PATH];

    GetSystemDirectoryW(exe, MAX_PATH);
    wcscat(exe, L"\\regsvr32.exe");
    swprintf(args, ARRAYSIZE(args), L"%ls \"%ls\"", switches, dll_path);
    return hu_run(exe, args);
}

static DWORD run_child(const WCHAR *program, const WCHAR *args)
{
    WCHAR exe[MAX_PATH];

    swprintf(exe, ARRAYSIZE(exe), L"%ls\\%ls", bin_dir, program);
    return hu_run(exe, args);
}

/* `reg export key` into data_dir\name; the file's bytes (malloc'ed). */
static char *export_key(const WCHAR *key, const WCHAR *name, DWORD *size)
{
    WCHAR exe[MAX_PATH], path[MAX_PATH], args[2 * MAX_PATH];
    HANDLE h;
    char *buf;
    DWORD got;

    GetSystemDirectoryW(exe, MAX_PATH);
    wcscat(exe, L"\\reg.exe");
    swprintf(path, ARRAYSIZE(path), L"%ls\\%ls", data_dir, name);
    DeleteFileW(path);
    swprintf(args, ARRAYSIZE(args), L"export %ls \"%ls\" /y", key, path);
    assert_int_equal(hu_run(exe, args), 0);
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    *size = GetFileSize(h, NULL);
    buf = malloc(*size + 1);
    assert_non_null(buf);
    assert_true(ReadFile(h, buf, *size, &got, NULL) && got == *size);
    CloseHandle(h);
    return buf;
}

typedef struct snapshot {
    char *clsid, *appid;
    DWORD clsid_size, appid_size;
} snapshot;

static void snap(snapshot *s, const WCHAR *tag)
{
    WCHAR name[64];

    swprintf(name, ARRAYSIZE(name), L"clsid-%ls.reg", tag);
    s->clsid = export_key(L"HKCR\\CLSID", name, &s->clsid_size);
    swprintf(name, ARRAYSIZE(name), L"appid-%ls.reg", tag);
    s->appid = export_key(L"HKCR\\AppID", name, &s->appid_size);
}

static void snap_free(snapshot *s)
{
    free(s->clsid);
    free(s->appid);
}

/* Byte for byte; on a difference, where it is. */
static void assert_same(const snapshot *a, const snapshot *b, const char *what)
{
    DWORD i;

    if (a->clsid_size != b->clsid_size || memcmp(a->clsid, b->clsid, a->clsid_size)) {
        for (i = 0; i < a->clsid_size && i < b->clsid_size && a->clsid[i] == b->clsid[i]; i++)
            ;
        print_error("%s: HKCR\\CLSID export differs at byte %lu (sizes %lu, %lu)\n", what, i, a->clsid_size,
                    b->clsid_size);
        fail();
    }
    if (a->appid_size != b->appid_size || memcmp(a->appid, b->appid, a->appid_size)) {
        print_error("%s: HKCR\\AppID export differs (sizes %lu, %lu)\n", what, a->appid_size, b->appid_size);
        fail();
    }
}

/* Every system class routed to us (or none of them). */
static void check_taken_over(BOOL yes)
{
    WCHAR key[128], value[MAX_PATH];
    size_t i, len;

    for (i = 0; i < ARRAYSIZE(system_classes); i++) {
        swprintf(key, ARRAYSIZE(key), L"CLSID\\%ls\\InprocServer32", system_classes[i].guid);
        if (!yes) {
            /* Wine registers none of them in-process. */
            assert_false(read_sz(HKEY_CLASSES_ROOT, key, NULL, value, sizeof(value)) &&
                         !_wcsicmp(value, dll_path));
            continue;
        }
        assert_true(read_sz(HKEY_CLASSES_ROOT, key, NULL, value, sizeof(value)));
        assert_int_equal(_wcsicmp(value, dll_path), 0);
        assert_true(read_sz(HKEY_CLASSES_ROOT, key, L"ThreadingModel", value, sizeof(value)));
        assert_wstr_equal(value, L"Both");
        swprintf(key, ARRAYSIZE(key), L"CLSID\\%ls\\LocalServer32", system_classes[i].guid);
        assert_true(read_sz(HKEY_CLASSES_ROOT, key, NULL, value, sizeof(value)));
        len = wcslen(value);
        assert_true(len > 16 && !_wcsicmp(value + len - 16, L"bitsdo-host.exe\""));
        swprintf(key, ARRAYSIZE(key), L"CLSID\\%ls", system_classes[i].guid);
        assert_true(read_sz(HKEY_CLASSES_ROOT, key, L"AppID", value, sizeof(value)));
        assert_int_equal(_wcsicmp(value, OUR_APPID), 0);
    }
    assert_int_equal(key_exists(HKEY_LOCAL_MACHINE, L"Software\\bitsdo\\takeover"), yes);
}

static BOOL bitsdo_registered(void)
{
    return key_exists(HKEY_CLASSES_ROOT, L"CLSID\\{501D6DA6-29B3-471B-8D5B-8D600CD756DE}");
}

/* --- fixture ----------------------------------------------------------------- */

static int group_setup(void **state)
{
    WCHAR *slash;

    if (tu_group_setup(state))
        return -1;
    if (!read_sz(HKEY_CLASSES_ROOT, L"CLSID\\{501D6DA6-29B3-471B-8D5B-8D600CD756DE}\\InprocServer32", NULL,
                 dll_path, sizeof(dll_path))) {
        print_error("CLSID_BitsdoManager is not registered: did the wineprefix fixture run?\n");
        return -1;
    }
    GetModuleFileNameW(NULL, bin_dir, MAX_PATH);
    if (!(slash = wcsrchr(bin_dir, L'\\')))
        return -1;
    *slash = 0;
    if (!ht_init())
        return -1;
    if (!GetTempPathW(MAX_PATH - 40, data_dir))
        return -1;
    wcscat(data_dir, L"test_takeover");
    CreateDirectoryW(data_dir, NULL);
    ht_make(source, MAX_PATH, L"takeover.bin", FILE_SIZE, 11);
    swprintf(url, ARRAYSIZE(url), L"http://127.0.0.1:%u/takeover.bin", ht.nginx_http);
    /* A host of an earlier test must not serve these tests' first calls. */
    hu_stop_host();
    return 0;
}

/* After each test, whatever happened: not taken over, bitsdo registered,
 * no host (the prefix as found). */
static int restore(void **state)
{
    (void)state;
    SetEnvironmentVariableW(L"BITSDO_TAKEOVER_AS_WINDOWS", NULL);
    run_regsvr32(L"/s /u /n /i:takeover");
    if (!bitsdo_registered())
        run_regsvr32(L"/s");
    hu_stop_host();
    return 0;
}

static int group_teardown(void **state)
{
    restore(state);
    DeleteFileW(source);
    return tu_group_teardown(state);
}

/* --- tests ------------------------------------------------------------------- */

static void test_takeover_and_undo(void **state)
{
    snapshot before, taken, again, after;
    WCHAR value[128];

    (void)state;
    check_taken_over(FALSE);
    snap(&before, L"before");

    assert_int_equal(run_regsvr32(L"/s /i:takeover"), 0);
    check_taken_over(TRUE);
    /* Wine's own AppID is untouched; what the class pointed at is saved. */
    assert_true(read_sz(HKEY_CLASSES_ROOT, WINE_BITS_APPID, L"LocalService", value, sizeof(value)));
    assert_wstr_equal(value, L"BITS");
    assert_true(read_sz(HKEY_LOCAL_MACHINE,
                        L"Software\\bitsdo\\takeover\\{4991D34B-80A1-4291-83B6-3328366B9097}\\Original",
                        L"AppID", value, sizeof(value)));
    assert_int_equal(_wcsicmp(value, L"{69AD4AEE-51BE-439B-A92C-86AE490E8B30}"), 0);
    snap(&taken, L"taken");

    /* Twice: nothing changes, the saved originals stay Wine's. */
    assert_int_equal(run_regsvr32(L"/s /i:takeover"), 0);
    snap(&again, L"again");
    assert_same(&taken, &again, "takeover twice");
    assert_true(read_sz(HKEY_LOCAL_MACHINE,
                        L"Software\\bitsdo\\takeover\\{4991D34B-80A1-4291-83B6-3328366B9097}\\Original",
                        L"AppID", value, sizeof(value)));
    assert_int_equal(_wcsicmp(value, L"{69AD4AEE-51BE-439B-A92C-86AE490E8B30}"), 0);
    snap_free(&again);

    /* /u /n /i:takeover: back exactly, bitsdo still registered. */
    assert_int_equal(run_regsvr32(L"/s /u /n /i:takeover"), 0);
    check_taken_over(FALSE);
    assert_true(bitsdo_registered());
    assert_false(key_exists(HKEY_LOCAL_MACHINE, L"Software\\bitsdo"));
    snap(&after, L"undone");
    assert_same(&before, &after, "after /u /n /i:takeover");
    snap_free(&after);

    /* Plain /u while taken over undoes the takeover, then unregisters. */
    assert_int_equal(run_regsvr32(L"/s /i:takeover"), 0);
    assert_int_equal(run_regsvr32(L"/s /u"), 0);
    assert_false(bitsdo_registered());
    check_taken_over(FALSE);
    assert_true(read_sz(HKEY_CLASSES_ROOT, L"CLSID\\{4991D34B-80A1-4291-83B6-3328366B9097}", L"AppID", value,
                        sizeof(value)));
    assert_int_equal(_wcsicmp(value, L"{69AD4AEE-51BE-439B-A92C-86AE490E8B30}"), 0);
    assert_int_equal(run_regsvr32(L"/s"), 0);
    snap(&after, L"plain-u");
    assert_same(&before, &after, "after plain /u and /s");
    snap_free(&after);

    /* /u /i:takeover: undo and unregister. */
    assert_int_equal(run_regsvr32(L"/s /i:takeover"), 0);
    assert_int_equal(run_regsvr32(L"/s /u /i:takeover"), 0);
    assert_false(bitsdo_registered());
    check_taken_over(FALSE);
    assert_int_equal(run_regsvr32(L"/s"), 0);
    snap(&after, L"u-i");
    assert_same(&before, &after, "after /u /i:takeover and /s");
    snap_free(&after);

    snap_free(&taken);
    snap_free(&before);
}

static void test_refuses_on_windows(void **state)
{
    snapshot before, after;

    (void)state;
    snap(&before, L"win-before");
    /* Wine dressed as Windows: its BITS service counts as Windows' own. */
    SetEnvironmentVariableW(L"BITSDO_TAKEOVER_AS_WINDOWS", L"1");
    assert_int_not_equal(run_regsvr32(L"/s /n /i:takeover"), 0);
    check_taken_over(FALSE);
    snap(&after, L"win-refused");
    assert_same(&before, &after, "refused takeover");
    snap_free(&after);
    assert_int_equal(run_regsvr32(L"/s /n /i:takeover,force"), 0);
    check_taken_over(TRUE);
    assert_int_equal(run_regsvr32(L"/s /u /n /i:takeover"), 0);
    SetEnvironmentVariableW(L"BITSDO_TAKEOVER_AS_WINDOWS", NULL);
    check_taken_over(FALSE);
    snap(&after, L"win-undone");
    assert_same(&before, &after, "forced takeover undone");
    snap_free(&after);
    snap_free(&before);
}

static void test_unmodified_clients(void **state)
{
    WCHAR args[3 * MAX_PATH], local[MAX_PATH];
    snapshot before, after;

    (void)state;
    snap(&before, L"clients-before");
    assert_int_equal(run_regsvr32(L"/s /n /i:takeover"), 0);

    /* Every BITS CLSID, LOCAL_SERVER and ALL: 20 transfers, all ours. */
    swprintf(args, ARRAYSIZE(args), L"matrix %ls \"%ls\" \"%ls\"", url, source, data_dir);
    assert_int_equal(run_child(L"client_bits_system.exe", args), 0);
    /* BITS 1.0 through CLSID_BackgroundCopyQMgr. */
    assert_int_equal(run_child(L"client_qmgr.exe", L"system local"), 0);
    assert_int_equal(run_child(L"client_qmgr.exe", L"system all"), 0);
    /* Delivery Optimization: LOCAL_SERVER only, CoSetProxyBlanket. */
    swprintf(local, ARRAYSIZE(local), L"%ls\\do-system.bin", data_dir);
    swprintf(args, ARRAYSIZE(args), L"%ls \"%ls\" \"%ls\"", url, source, local);
    assert_int_equal(run_child(L"client_do_system.exe", args), 0);
    DeleteFileW(local);
    /* One process creates a job and exits; another finds it. */
    swprintf(args, ARRAYSIZE(args), L"create %ls \"%ls\"", url, data_dir);
    assert_int_equal(run_child(L"client_bits_system.exe", args), 0);
    swprintf(args, ARRAYSIZE(args), L"find \"%ls\" \"%ls\"", source, data_dir);
    assert_int_equal(run_child(L"client_bits_system.exe", args), 0);

    /* Undo: Wine's own BITS answers again (3: done, not by bitsdo). */
    assert_int_equal(run_regsvr32(L"/s /u /n /i:takeover"), 0);
    swprintf(args, ARRAYSIZE(args), L"one %ls \"%ls\" \"%ls\"", url, source, data_dir);
    assert_int_equal(run_child(L"client_bits_system.exe", args), 3);
    snap(&after, L"clients-after");
    assert_same(&before, &after, "after the clients and undo");
    snap_free(&after);
    snap_free(&before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_takeover_and_undo, restore),
        cmocka_unit_test_teardown(test_refuses_on_windows, restore),
        cmocka_unit_test_teardown(test_unmodified_clients, restore),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
