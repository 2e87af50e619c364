/* The answers Delivery Optimization clients expect in the corner cases, as
 * Microsoft documents them (or, where the documentation is silent, as DO
 * behaves), through the registered DLL against nginx and the fault server:
 *   - EnumDownloads with nothing to enumerate: DO_E_NO_DOWNLOADS;
 *   - a second download to the local path of a paused one: the paused one
 *     is aborted and its partial file deleted;
 *   - the partial file deleted under a paused download: the download fails
 *     with HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) instead of starting over;
 *   - a malformed LocalPath: the path's Win32 error (DO returns Windows
 *     errors through HRESULT_FROM_WIN32);
 *   - SecurityContext bytes that are no certificate: the certificate API's
 *     error; a real certificate: E_NOTIMPL (no client certificates yet).
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <stdlib.h>
#include <string.h>

#define SRC_NAME L"do-answers.src"
#define SRC_SIZE (1u * TU_MB + 4321u)
#define SRC_SEED 61
#define STALL_AT 200000u

static IDOManager *mgr;
static WCHAR src[MAX_PATH];

static int group_setup(void **state)
{
    if (tu_group_setup(state) || !ht_init())
        return -1;
    ht_make(src, MAX_PATH, SRC_NAME, SRC_SIZE, SRC_SEED);
    assert_hr(S_OK,
              CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization,
                               NULL,
                               CLSCTX_INPROC_SERVER,
                               &IID_IDOManager,
                               (void **)&mgr));
    return 0;
}

static int group_teardown(void **state)
{
    IDOManager_Release(mgr);
    return tu_group_teardown(state);
}

static DO_DOWNLOAD_STATUS status_of(IDODownload *d)
{
    DO_DOWNLOAD_STATUS s;

    memset(&s, 0xcc, sizeof(s));
    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    return s;
}

static IDODownload *download(const WCHAR *url, const WCHAR *local)
{
    IDODownload *d = NULL;

    assert_hr(S_OK, IDOManager_CreateDownload(mgr, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    return d;
}

static BOOL stalled_bytes_in(void *ctx)
{
    return status_of(ctx).BytesTransferred >= STALL_AT;
}

/* A download paused with part of the file in its temp file: the fault
 * server stalls the first GET for 60 s at STALL_AT, so the pause always
 * comes before the end. */
static IDODownload *paused_download(const WCHAR *local)
{
    WCHAR url[512];
    char token[64];
    IDODownload *d;

    ht_token(token, sizeof(token), "doanswers");
    swprintf(url,
             ARRAYSIZE(url),
             L"http://127.0.0.1:%u/fault/stall=60000:1,stall-at=%u,id=%hs/%ls",
             ht.fault_http,
             STALL_AT,
             token,
             SRC_NAME);
    d = download(url, local);
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_true(tu_wait_until(stalled_bytes_in, d, TU_WAIT_MS));
    assert_hr(S_OK, IDODownload_Pause(d));
    assert_int_equal(status_of(d).State, DODownloadState_Paused);
    return d;
}

/* --- EnumDownloads ----------------------------------------------------------- */

static void test_enum_no_downloads(void **state)
{
    DO_DOWNLOAD_ENUM_CATEGORY cat = {DODownloadProperty_DisplayName, L"no such download"};
    IEnumUnknown *e = (IEnumUnknown *)(ULONG_PTR)1;
    IDODownload *d = NULL;

    (void)state;
    /* Nothing at all (this process has made no download yet). */
    assert_hr(DO_E_NO_DOWNLOADS, IDOManager_EnumDownloads(mgr, NULL, &e));
    assert_null(e);
    /* Downloads, but none in the category. */
    assert_hr(S_OK, IDOManager_CreateDownload(mgr, &d));
    e = (IEnumUnknown *)(ULONG_PTR)1;
    assert_hr(DO_E_NO_DOWNLOADS, IDOManager_EnumDownloads(mgr, &cat, &e));
    assert_null(e);
    assert_hr(S_OK, IDOManager_EnumDownloads(mgr, NULL, &e));
    assert_non_null(e);
    IEnumUnknown_Release(e);
    assert_hr(S_OK, IDODownload_Abort(d));
    IDODownload_Release(d);
}

/* --- same local path --------------------------------------------------------- */

static void test_same_path_aborts_paused(void **state)
{
    WCHAR dir[MAX_PATH], local[MAX_PATH], url[256];
    IDODownload *first, *second;

    (void)state;
    tu_path(dir, MAX_PATH, L"same-path");
    assert_true(tu_mkdirs(dir));
    tu_path(local, MAX_PATH, L"same-path\\file.out");
    first = paused_download(local);
    assert_int_equal(tu_count_temp_files(dir), 1);

    swprintf(url, ARRAYSIZE(url), L"http://127.0.0.1:%u/%ls", ht.nginx_http, SRC_NAME);
    second = download(url, local);
    assert_hr(S_OK, tu_do_set_bool(second, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(S_OK, IDODownload_Start(second, NULL));
    /* The paused one is gone, partial file and all. */
    assert_int_equal(status_of(first).State, DODownloadState_Aborted);
    assert_hr(DO_E_INVALID_STATE, IDODownload_Start(first, NULL));
    assert_int_equal(status_of(second).State, DODownloadState_Transferred);
    assert_int_equal(tu_count_temp_files(dir), 1); /* the second one's */
    assert_hr(S_OK, IDODownload_Finalize(second));
    assert_true(tu_files_equal(local, src));
    assert_int_equal(tu_count_temp_files(dir), 0);
    IDODownload_Release(first);
    IDODownload_Release(second);
    DeleteFileW(local);
}

/* --- partial file deleted ---------------------------------------------------- */

static void delete_temp_files(const WCHAR *dir)
{
    WIN32_FIND_DATAW fd;
    WCHAR pattern[MAX_PATH], path[MAX_PATH];
    HANDLE h;

    swprintf(pattern, MAX_PATH, L"%ls\\BIT*.tmp", dir);
    h = FindFirstFileW(pattern, &fd);
    assert_true(h != INVALID_HANDLE_VALUE);
    do {
        swprintf(path, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
        SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
        assert_true(DeleteFileW(path));
    } while (FindNextFileW(h, &fd));
    FindClose(h);
}

static BOOL settled(void *ctx)
{
    return status_of(ctx).State != DODownloadState_Transferring;
}

static void test_temp_deleted_while_paused(void **state)
{
    WCHAR dir[MAX_PATH], local[MAX_PATH];
    DO_DOWNLOAD_STATUS s;
    IDODownload *d;

    (void)state;
    tu_path(dir, MAX_PATH, L"temp-gone");
    assert_true(tu_mkdirs(dir));
    tu_path(local, MAX_PATH, L"temp-gone\\file.out");

    /* Blocking Start: the error comes back from Start. */
    d = paused_download(local);
    delete_temp_files(dir);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), IDODownload_Start(d, NULL));
    s = status_of(d);
    assert_int_equal(s.State, DODownloadState_Paused);
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), s.Error);
    assert_int_equal(tu_count_temp_files(dir), 0); /* no new file started over */
    assert_false(tu_exists(local));
    assert_hr(S_OK, IDODownload_Abort(d));
    IDODownload_Release(d);

    /* Non-blocking: the download reports it once it ran. */
    d = paused_download(local);
    delete_temp_files(dir);
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_true(tu_wait_until(settled, d, TU_WAIT_MS));
    s = status_of(d);
    assert_int_equal(s.State, DODownloadState_Paused);
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), s.Error);
    assert_int_equal(tu_count_temp_files(dir), 0);
    assert_hr(S_OK, IDODownload_Abort(d));
    IDODownload_Release(d);
}

/* --- LocalPath and SecurityContext ------------------------------------------ */

static void test_malformed_local_path(void **state)
{
    static const WCHAR *const invalid[] = {
        L"relative\\path.bin",
        L"C:\\dir\\a*b.bin",
        L"C:\\dir\\a?b.bin",
        L"C:\\dir\\file.bin:stream",
        L"C:\\dir\\..\\x.bin",
        L"C:\\dir\\CON",
        L"\\\\?\\C:\\x.bin",
        L"C:\\dir\\",
    };
    WCHAR longer[MAX_PATH + 20];
    IDODownload *d = NULL;
    size_t i;

    (void)state;
    assert_hr(S_OK, IDOManager_CreateDownload(mgr, &d));
    for (i = 0; i < ARRAYSIZE(invalid); i++) {
        HRESULT hr = tu_do_set_bstr(d, DODownloadProperty_LocalPath, invalid[i]);
        if (hr != HRESULT_FROM_WIN32(ERROR_INVALID_NAME))
            print_error("%ls: 0x%08lx\n", invalid[i], (unsigned long)hr);
        assert_hr(HRESULT_FROM_WIN32(ERROR_INVALID_NAME), hr);
    }
    wcscpy(longer, L"C:\\");
    for (i = 3; i < MAX_PATH + 5; i++)
        longer[i] = (i % 100) ? L'a' : L'\\';
    longer[i] = 0;
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE),
              tu_do_set_bstr(d, DODownloadProperty_LocalPath, longer));
    assert_hr(E_INVALIDARG, tu_do_set_bstr(d, DODownloadProperty_LocalPath, L""));
    assert_hr(S_OK, IDODownload_Abort(d));
    IDODownload_Release(d);
}

static HRESULT set_bytes(IDODownload *d, const BYTE *data, ULONG size)
{
    SAFEARRAY *array = SafeArrayCreateVector(VT_UI1, 0, size);
    VARIANT v;
    void *p;
    HRESULT hr;

    assert_non_null(array);
    assert_hr(S_OK, SafeArrayAccessData(array, &p));
    memcpy(p, data, size);
    SafeArrayUnaccessData(array);
    V_VT(&v) = VT_ARRAY | VT_UI1;
    V_ARRAY(&v) = array;
    hr = IDODownload_SetProperty(d, DODownloadProperty_SecurityContext, &v);
    VariantClear(&v);
    return hr;
}

static void test_certificate(void **state)
{
    static const BYTE garbage[] = "this is not a certificate, serialized or otherwise";
    const char *servers = getenv("BITSDO_HTTP_SERVERS");
    char unix_path[MAX_PATH];
    WCHAR ca[MAX_PATH];
    IDODownload *d = NULL;
    HANDLE h;
    BYTE der[8192];
    DWORD size = 0;
    HRESULT hr;

    (void)state;
    assert_hr(S_OK, IDOManager_CreateDownload(mgr, &d));
    hr = set_bytes(d, garbage, sizeof(garbage));
    print_message("garbage certificate: 0x%08lx\n", (unsigned long)hr);
    assert_true(FAILED(hr));
    assert_true(hr != E_NOTIMPL && hr != E_INVALIDARG);
    assert_int_equal(HRESULT_FACILITY(hr), FACILITY_SECURITY); /* CRYPT_E_* */

    /* The fixtures' CA certificate (DER): a certificate, but none of them
     * can be used yet. */
    assert_non_null(servers);
    snprintf(unix_path, sizeof(unix_path), "%s/nginx/tls/ca.der", servers);
    assert_true(tu_unix_to_dos(unix_path, ca, MAX_PATH));
    h = CreateFileW(ca, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(ReadFile(h, der, sizeof(der), &size, NULL) && size > 100);
    CloseHandle(h);
    assert_hr(E_NOTIMPL, set_bytes(d, der, size));
    assert_hr(S_OK, IDODownload_Abort(d));
    IDODownload_Release(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enum_no_downloads), /* first: no download exists yet */
        cmocka_unit_test(test_same_path_aborts_paused),
        cmocka_unit_test(test_temp_deleted_while_paused),
        cmocka_unit_test(test_malformed_local_path),
        cmocka_unit_test(test_certificate),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
