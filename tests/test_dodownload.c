/* The native Delivery Optimization API through the registry: IDOManager
 * (CreateDownload, EnumDownloads) and IDODownload (properties with their
 * types and access rules, Start / Pause / Abort / Finalize, GetStatus,
 * blocking mode, status callbacks) on local file:// sources.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#ifndef E_NOT_SET
#define E_NOT_SET HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
#endif

#define BIG_SIZE (64u * TU_MB)
#define SMALL_SIZE (3u * TU_MB + 17u)

static IDOManager *mgr;
static WCHAR big_src[MAX_PATH], big_url[MAX_PATH * 3];
static WCHAR small_src[MAX_PATH], small_url[MAX_PATH * 3];

static int group_setup(void **state)
{
    tu_group_setup(state);
    tu_path(big_src, ARRAYSIZE(big_src), L"big.src");
    tu_make_file(big_src, BIG_SIZE, 7);
    tu_file_url(big_url, ARRAYSIZE(big_url), big_src);
    tu_path(small_src, ARRAYSIZE(small_src), L"small.src");
    tu_make_file(small_src, SMALL_SIZE, 11);
    tu_file_url(small_url, ARRAYSIZE(small_url), small_src);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&mgr));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    IDOManager_Release(mgr);
    mgr = NULL;
    return 0;
}

/* --- helpers ---------------------------------------------------------------- */

static IDODownload *new_download(void)
{
    IDODownload *d = NULL;

    assert_hr(S_OK, IDOManager_CreateDownload(mgr, &d));
    assert_non_null(d);
    return d;
}

static void check_bstr(IDODownload *d, DODownloadProperty id, const WCHAR *expected)
{
    VARIANT v;

    assert_hr(S_OK, IDODownload_GetProperty(d, id, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_wstr_equal(V_BSTR(&v), expected);
    VariantClear(&v);
}

static void check_ui4(IDODownload *d, DODownloadProperty id, ULONG expected)
{
    VARIANT v;

    assert_hr(S_OK, IDODownload_GetProperty(d, id, &v));
    assert_int_equal(V_VT(&v), VT_UI4);
    assert_int_equal(V_UI4(&v), expected);
}

static void check_bool(IDODownload *d, DODownloadProperty id, BOOL expected)
{
    VARIANT v;

    assert_hr(S_OK, IDODownload_GetProperty(d, id, &v));
    assert_int_equal(V_VT(&v), VT_BOOL);
    assert_int_equal(V_BOOL(&v), expected ? VARIANT_TRUE : VARIANT_FALSE);
}

static DO_DOWNLOAD_STATUS status_of(IDODownload *d)
{
    DO_DOWNLOAD_STATUS s;

    memset(&s, 0xcc, sizeof(s));
    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    return s;
}

static BOOL has_bytes(void *ctx)
{
    DO_DOWNLOAD_STATUS s = status_of(ctx);
    return s.BytesTransferred > 0 || s.State != DODownloadState_Transferring;
}

static BOOL is_settled(void *ctx)
{
    return status_of(ctx).State != DODownloadState_Transferring;
}

static void prepare(IDODownload *d, const WCHAR *url, const WCHAR *local)
{
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
}

/* --- tests ------------------------------------------------------------------ */

static void test_create(void **state)
{
    IDODownload *d;
    DO_DOWNLOAD_STATUS s;
    VARIANT v;
    GUID id;
    IUnknown *unk;

    (void)state;
    assert_hr(E_POINTER, IDOManager_CreateDownload(mgr, NULL));
    d = new_download();
    assert_hr(S_OK, IDODownload_QueryInterface(d, &IID_IUnknown, (void **)&unk));
    IUnknown_Release(unk);
    assert_hr(E_NOINTERFACE, IDODownload_QueryInterface(d, &IID_IBackgroundCopyJob, (void **)&unk));
    assert_hr(E_POINTER, IDODownload_GetStatus(d, NULL));
    s = status_of(d);
    assert_int_equal(s.State, DODownloadState_Created);
    assert_true(s.BytesTotal == 0 && s.BytesTransferred == 0);
    assert_hr(S_OK, s.Error);

    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_Id, &v));
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_hr(S_OK, CLSIDFromString(V_BSTR(&v), &id));
    VariantClear(&v);
    assert_hr(DO_E_READ_ONLY_PROPERTY, tu_do_set_bstr(d, DODownloadProperty_Id, L"{00000000-0000-0000-0000-000000000000}"));
    assert_hr(S_OK, IDODownload_Abort(d));
    IDODownload_Release(d);
}

static void test_property_round_trips(void **state)
{
    IDODownload *d = new_download();
    WCHAR local[MAX_PATH];
    VARIANT v;

    (void)state;
    tu_path(local, ARRAYSIZE(local), L"props.out");
    /* Nothing set yet. */
    assert_hr(E_NOT_SET, IDODownload_GetProperty(d, DODownloadProperty_Uri, &v));
    assert_hr(E_NOT_SET, IDODownload_GetProperty(d, DODownloadProperty_LocalPath, &v));
    assert_hr(E_NOT_SET, IDODownload_GetProperty(d, DODownloadProperty_CallbackInterface, &v));
    assert_hr(E_NOT_SET, IDODownload_GetProperty(d, DODownloadProperty_TotalSizeBytes, &v));
    /* Defaults. */
    check_ui4(d, DODownloadProperty_CallbackFreqSeconds, 1);
    check_ui4(d, DODownloadProperty_CostPolicy, DODownloadCostPolicy_Always);
    check_bool(d, DODownloadProperty_BlockingMode, FALSE);
    check_bool(d, DODownloadProperty_ForegroundPriority, FALSE);
    check_bool(d, DODownloadProperty_NonVolatile, FALSE);

    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, small_url));
    check_bstr(d, DODownloadProperty_Uri, small_url);
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    check_bstr(d, DODownloadProperty_LocalPath, local);
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_DisplayName, L"a DO download"));
    check_bstr(d, DODownloadProperty_DisplayName, L"a DO download");
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_HttpCustomHeaders, L"X-Test: 1\r\n"));
    check_bstr(d, DODownloadProperty_HttpCustomHeaders, L"X-Test: 1\r\n");
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_CorrelationVector, L"cv.1"));
    check_bstr(d, DODownloadProperty_CorrelationVector, L"cv.1");
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_CallbackFreqPercent, 10));
    check_ui4(d, DODownloadProperty_CallbackFreqPercent, 10);
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_CallbackFreqSeconds, 5));
    check_ui4(d, DODownloadProperty_CallbackFreqSeconds, 5);
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_NoProgressTimeoutSeconds, 60));
    check_ui4(d, DODownloadProperty_NoProgressTimeoutSeconds, 60);
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_CostPolicy, DODownloadCostPolicy_Always));
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_SecurityFlags, 0));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_ForegroundPriority, TRUE));
    check_bool(d, DODownloadProperty_ForegroundPriority, TRUE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    check_bool(d, DODownloadProperty_BlockingMode, TRUE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, FALSE));
    check_bool(d, DODownloadProperty_BlockingMode, FALSE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_IntegrityCheckMandatory, TRUE));
    check_bool(d, DODownloadProperty_IntegrityCheckMandatory, TRUE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_DisallowOnCellular, TRUE));
    check_bool(d, DODownloadProperty_DisallowOnCellular, TRUE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_NonVolatile, TRUE));
    check_bool(d, DODownloadProperty_NonVolatile, TRUE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_NonVolatile, FALSE));
    check_bool(d, DODownloadProperty_NonVolatile, FALSE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, FALSE));
    check_bool(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, FALSE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, TRUE));
    check_bool(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, TRUE);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, FALSE));
    check_bool(d, DODownloadProperty_HttpAllowSecureToNonSecureRedirect, FALSE);
    V_VT(&v) = VT_UI8;
    V_UI8(&v) = 12345;
    assert_hr(S_OK, IDODownload_SetProperty(d, DODownloadProperty_TotalSizeBytes, &v));
    VariantInit(&v);
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_TotalSizeBytes, &v));
    assert_int_equal(V_VT(&v), VT_UI8);
    assert_true(V_UI8(&v) == 12345);

    assert_hr(S_OK, IDODownload_Abort(d));
    IDODownload_Release(d);
}

static void test_property_errors(void **state)
{
    IDODownload *d = new_download();
    VARIANT v;
    int id;

    (void)state;
    /* Unknown ids. */
    assert_hr(DO_E_UNKNOWN_PROPERTY_ID, IDODownload_GetProperty(d, (DODownloadProperty)30, &v));
    assert_hr(DO_E_UNKNOWN_PROPERTY_ID, tu_do_set_ui4(d, (DODownloadProperty)30, 1));
    assert_hr(DO_E_UNKNOWN_PROPERTY_ID, tu_do_set_ui4(d, (DODownloadProperty)-1, 1));
    assert_hr(E_POINTER, IDODownload_GetProperty(d, DODownloadProperty_Uri, NULL));
    assert_hr(E_INVALIDARG, IDODownload_SetProperty(d, DODownloadProperty_Uri, NULL));
    /* The wrong VARIANT type, for every writable property: VT_I8 is nobody's. */
    for (id = DODownloadProperty_Uri; id <= DODownloadProperty_NonVolatile; id++) {
        V_VT(&v) = VT_I8;
        V_I8(&v) = 1;
        assert_hr(E_INVALIDARG, IDODownload_SetProperty(d, (DODownloadProperty)id, &v));
    }
    assert_hr(E_INVALIDARG, tu_do_set_ui4(d, DODownloadProperty_Uri, 1));
    assert_hr(E_INVALIDARG, tu_do_set_bstr(d, DODownloadProperty_BlockingMode, L"1"));
    assert_hr(E_INVALIDARG, tu_do_set_bool(d, DODownloadProperty_NoProgressTimeoutSeconds, TRUE));
    /* Read-only and write-only. */
    assert_hr(DO_E_READ_ONLY_PROPERTY, tu_do_set_bstr(d, DODownloadProperty_HttpResponseHeaders, L"x"));
    assert_hr(DO_E_READ_ONLY_PROPERTY, tu_do_set_bstr(d, DODownloadProperty_HttpServerIPAddress, L"x"));
    assert_hr(DO_E_READ_ONLY_PROPERTY, tu_do_set_bstr(d, DODownloadProperty_HttpRedirectionTarget, L"x"));
    assert_hr(DO_E_READ_ONLY_PROPERTY, tu_do_set_ui4(d, DODownloadProperty_HttpStatusCode, 200));
    assert_hr(DO_E_WRITE_ONLY_PROPERTY, IDODownload_GetProperty(d, DODownloadProperty_SecurityFlags, &v));
    assert_hr(DO_E_WRITE_ONLY_PROPERTY, IDODownload_GetProperty(d, DODownloadProperty_SecurityContext, &v));
    assert_hr(DO_E_WRITE_ONLY_PROPERTY, IDODownload_GetProperty(d, DODownloadProperty_NetworkToken, &v));
    assert_hr(DO_E_WRITE_ONLY_PROPERTY, IDODownload_GetProperty(d, DODownloadProperty_DecryptionInfo, &v));
    assert_hr(DO_E_WRITE_ONLY_PROPERTY, IDODownload_GetProperty(d, DODownloadProperty_IntegrityCheckInfo, &v));
    /* Bad values. */
    assert_hr(E_INVALIDARG, tu_do_set_ui4(d, DODownloadProperty_NoProgressTimeoutSeconds, 59));
    assert_hr(E_INVALIDARG, tu_do_set_ui4(d, DODownloadProperty_CostPolicy, 6));
    assert_hr(E_INVALIDARG, tu_do_set_ui4(d, DODownloadProperty_CallbackFreqPercent, 101));
    assert_hr(E_INVALIDARG, tu_do_set_bstr(d, DODownloadProperty_Uri, L"ftp://127.0.0.1/x"));
    assert_hr(E_INVALIDARG, tu_do_set_bstr(d, DODownloadProperty_Uri, L""));
    assert_hr(HRESULT_FROM_WIN32(ERROR_INVALID_NAME), tu_do_set_bstr(d, DODownloadProperty_LocalPath, L"relative\\path.bin"));
    /* What cannot be honoured here says so. */
    assert_hr(DO_E_CLOUD_SERVICES_UNREACHABLE, tu_do_set_bstr(d, DODownloadProperty_ContentId, L"content"));
    assert_hr(DO_E_BLOCKED_BY_COST_TRANSFER_POLICY,
              tu_do_set_ui4(d, DODownloadProperty_CostPolicy, DODownloadCostPolicy_NoCellular));
    assert_hr(E_NOTIMPL, tu_do_set_bstr(d, DODownloadProperty_DecryptionInfo, L"{}"));
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)mgr; /* not an IDODownloadStatusCallback */
    assert_hr(E_INVALIDARG, IDODownload_SetProperty(d, DODownloadProperty_CallbackInterface, &v));
    /* Not a stream either. */
    assert_hr(E_INVALIDARG, IDODownload_SetProperty(d, DODownloadProperty_StreamInterface, &v));

    assert_hr(S_OK, IDODownload_Abort(d));
    IDODownload_Release(d);
}

static void test_start_errors(void **state)
{
    IDODownload *d = new_download();
    WCHAR local[MAX_PATH];
    struct { UINT count; DO_DOWNLOAD_RANGE r[1]; } ranges = {1, {{0, 0}}}; /* zero length */

    (void)state;
    tu_path(local, ARRAYSIZE(local), L"errors.out");
    assert_hr(DO_E_DOWNLOAD_NO_URI, IDODownload_Start(d, NULL));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, small_url));
    assert_hr(DO_E_FILE_DOWNLOADSINK_UNSPECIFIED, IDODownload_Start(d, NULL));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_IntegrityCheckMandatory, TRUE));
    assert_hr(DO_E_INTEGRITYCHECKINFO_UNSPECIFIED, IDODownload_Start(d, NULL));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_IntegrityCheckMandatory, FALSE));
    assert_hr(DO_E_INVALID_RANGE, IDODownload_Start(d, (const DO_DOWNLOAD_RANGES_INFO *)&ranges));
    assert_int_equal(status_of(d).State, DODownloadState_Created);
    assert_hr(DO_E_INVALID_STATE, IDODownload_Pause(d));
    assert_hr(DO_E_INVALID_STATE, IDODownload_Finalize(d));

    assert_hr(S_OK, IDODownload_Abort(d));
    assert_int_equal(status_of(d).State, DODownloadState_Aborted);
    assert_hr(DO_E_INVALID_STATE, IDODownload_Start(d, NULL));
    assert_hr(DO_E_INVALID_STATE, IDODownload_Abort(d));
    assert_hr(DO_E_INVALID_STATE, IDODownload_Finalize(d));
    assert_hr(DO_E_INVALID_STATE, IDODownload_Pause(d));
    assert_hr(DO_E_INVALID_STATE, tu_do_set_bstr(d, DODownloadProperty_DisplayName, L"late"));
    assert_false(tu_exists(local));
    IDODownload_Release(d);
}

static void test_pause_start_finalize(void **state)
{
    IDODownload *d = new_download();
    WCHAR dir[MAX_PATH], local[MAX_PATH];
    DO_DOWNLOAD_STATUS s;
    HRESULT hr;

    (void)state;
    /* LocalPath's folders do not exist yet: the download creates them. */
    tu_path(dir, ARRAYSIZE(dir), L"new\\sub");
    tu_path(local, ARRAYSIZE(local), L"new\\sub\\big.out");
    prepare(d, big_url, local);
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_hr(DO_E_INVALID_STATE, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_true(tu_wait_until(has_bytes, d, TU_WAIT_MS));
    hr = IDODownload_Pause(d);
    s = status_of(d);
    if (hr == S_OK) {
        assert_int_equal(s.State, DODownloadState_Paused);
        assert_hr(S_OK, s.Error);
        assert_true(s.BytesTransferred <= BIG_SIZE);
        assert_hr(S_OK, IDODownload_Pause(d)); /* already paused */
        assert_hr(DO_E_INVALID_STATE, IDODownload_Finalize(d));
        assert_hr(S_OK, IDODownload_Start(d, NULL));
    } else {
        /* The copy was faster than the pause: it is all in already. */
        print_message("note: the copy ended before Pause; the paused path was not exercised\n");
        assert_hr(DO_E_INVALID_STATE, hr);
        assert_int_equal(s.State, DODownloadState_Transferred);
    }
    assert_true(tu_wait_until(is_settled, d, TU_WAIT_MS));
    s = status_of(d);
    assert_int_equal(s.State, DODownloadState_Transferred);
    assert_true(s.BytesTotal == BIG_SIZE && s.BytesTransferred == BIG_SIZE);
    assert_false(tu_exists(local)); /* only Finalize puts it in place */
    assert_hr(S_OK, IDODownload_Start(d, NULL)); /* nothing left to fetch */
    assert_hr(S_OK, IDODownload_Finalize(d));
    assert_true(tu_check_pattern(local, BIG_SIZE, 7));
    assert_int_equal(tu_count_temp_files(dir), 0);
    s = status_of(d);
    assert_int_equal(s.State, DODownloadState_Finalized);
    assert_hr(DO_E_INVALID_STATE, IDODownload_Start(d, NULL));
    assert_hr(DO_E_INVALID_STATE, IDODownload_Pause(d));
    assert_hr(DO_E_INVALID_STATE, IDODownload_Finalize(d));
    assert_hr(DO_E_INVALID_STATE, IDODownload_Abort(d));
    assert_true(tu_check_pattern(local, BIG_SIZE, 7));
    IDODownload_Release(d);
}

static void test_abort_deletes_partial(void **state)
{
    IDODownload *d = new_download();
    WCHAR dir[MAX_PATH], local[MAX_PATH];

    (void)state;
    tu_path(dir, ARRAYSIZE(dir), L"abort");
    tu_mkdirs(dir);
    tu_path(local, ARRAYSIZE(local), L"abort\\big.out");
    prepare(d, big_url, local);
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_true(tu_wait_until(has_bytes, d, TU_WAIT_MS));
    assert_hr(S_OK, IDODownload_Abort(d));
    assert_int_equal(status_of(d).State, DODownloadState_Aborted);
    assert_int_equal(tu_count_temp_files(dir), 0);
    assert_false(tu_exists(local));
    IDODownload_Release(d);
}

static void test_blocking(void **state)
{
    IDODownload *d = new_download();
    WCHAR local[MAX_PATH];
    DO_DOWNLOAD_STATUS s;

    (void)state;
    tu_path(local, ARRAYSIZE(local), L"blocking.out");
    prepare(d, small_url, local);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_NoProgressTimeoutSeconds, 60));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    s = status_of(d); /* no waiting: Start returned when it was done */
    assert_int_equal(s.State, DODownloadState_Transferred);
    assert_true(s.BytesTransferred == SMALL_SIZE && s.BytesTotal == SMALL_SIZE);
    assert_hr(S_OK, IDODownload_Finalize(d));
    assert_true(tu_files_equal(small_src, local));
    IDODownload_Release(d);
}

/* A status callback that records what it hears. */
typedef struct test_callback {
    IDODownloadStatusCallback iface;
    LONG refs;
    LONG calls;
    LONG bad;
    DODownloadState last;
    HANDLE done;
} test_callback;

/* When set, every OnStatusChange appends the bytes it was told of. */
#define CB_LOG_MAX 4096
static UINT64 *cb_log;
static LONG cb_log_count;

static HRESULT WINAPI cb_QueryInterface(IDODownloadStatusCallback *iface, REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDODownloadStatusCallback)) {
        *out = iface;
        IDODownloadStatusCallback_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI cb_AddRef(IDODownloadStatusCallback *iface)
{
    return InterlockedIncrement(&CONTAINING_RECORD(iface, test_callback, iface)->refs);
}

static ULONG WINAPI cb_Release(IDODownloadStatusCallback *iface)
{
    return InterlockedDecrement(&CONTAINING_RECORD(iface, test_callback, iface)->refs);
}

static HRESULT WINAPI cb_OnStatusChange(IDODownloadStatusCallback *iface, IDODownload *download,
                                        const DO_DOWNLOAD_STATUS *status)
{
    test_callback *cb = CONTAINING_RECORD(iface, test_callback, iface);
    DO_DOWNLOAD_STATUS now;

    InterlockedIncrement(&cb->calls);
    if (cb_log && status && cb_log_count < CB_LOG_MAX)
        cb_log[cb_log_count++] = status->BytesTransferred; /* one worker thread calls */
    if (!download || !status || FAILED(IDODownload_GetStatus(download, &now)) ||
        status->BytesTransferred > now.BytesTransferred)
        InterlockedIncrement(&cb->bad);
    cb->last = status ? status->State : DODownloadState_Created;
    if (status && status->State == DODownloadState_Transferred)
        SetEvent(cb->done);
    return S_OK;
}

static const IDODownloadStatusCallbackVtbl cb_vtbl = {
    cb_QueryInterface, cb_AddRef, cb_Release, cb_OnStatusChange,
};

static void test_callback_called(void **state)
{
    IDODownload *d = new_download();
    WCHAR local[MAX_PATH];
    test_callback cb = {{&cb_vtbl}, 1, 0, 0, DODownloadState_Created, NULL};
    VARIANT v;

    (void)state;
    cb.done = CreateEventW(NULL, TRUE, FALSE, NULL);
    tu_path(local, ARRAYSIZE(local), L"callback.out");
    prepare(d, big_url, local);
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)&cb.iface;
    assert_hr(S_OK, IDODownload_SetProperty(d, DODownloadProperty_CallbackInterface, &v));
    VariantInit(&v);
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_CallbackInterface, &v));
    assert_int_equal(V_VT(&v), VT_UNKNOWN);
    assert_ptr_equal(V_UNKNOWN(&v), &cb.iface);
    VariantClear(&v);
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_CallbackFreqPercent, 25));

    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_true(tu_wait_event(cb.done, TU_WAIT_MS));
    assert_true(cb.calls >= 2); /* Transferring, then Transferred */
    assert_int_equal(cb.bad, 0);
    assert_int_equal(cb.last, DODownloadState_Transferred);
    assert_hr(S_OK, IDODownload_Finalize(d));
    /* The download let go of the callback when it was finalized. */
    assert_int_equal(cb.refs, 1);
    assert_true(tu_check_pattern(local, BIG_SIZE, 7));
    IDODownload_Release(d);
    CloseHandle(cb.done);
}

/* CallbackFreqPercent = 25 (and no time-based calls): the callback hears of
 * every 25% step, but not of every one of the 64 writes of 1 MB. */
static void test_callback_frequency(void **state)
{
    IDODownload *d = new_download();
    WCHAR local[MAX_PATH];
    test_callback cb = {{&cb_vtbl}, 1, 0, 0, DODownloadState_Created, NULL};
    UINT64 prev = 0, gap, max_gap = 0;
    LONG i, n;
    VARIANT v;

    (void)state;
    cb.done = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb_log = calloc(CB_LOG_MAX, sizeof(*cb_log));
    cb_log_count = 0;
    assert_non_null(cb_log);
    tu_path(local, ARRAYSIZE(local), L"freq.out");
    prepare(d, big_url, local);
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)&cb.iface;
    assert_hr(S_OK, IDODownload_SetProperty(d, DODownloadProperty_CallbackInterface, &v));
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_CallbackFreqPercent, 25));
    assert_hr(S_OK, tu_do_set_ui4(d, DODownloadProperty_CallbackFreqSeconds, 3600));

    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_true(tu_wait_event(cb.done, TU_WAIT_MS));
    assert_hr(S_OK, IDODownload_Finalize(d)); /* no callback after this */
    n = cb_log_count;
    assert_int_equal(cb.bad, 0);
    /* The last call is Transferred with every byte. */
    assert_true(n >= 1 && cb_log[n - 1] == BIG_SIZE);
    for (i = 0; i < n; i++) {
        assert_true(cb_log[i] >= prev); /* in order */
        gap = cb_log[i] - prev;
        if (gap > max_gap)
            max_gap = gap;
        prev = cb_log[i];
    }
    /* No 25% step went unreported: between two calls (from 0 on) at most a
     * quarter of the file, plus a few 1 MB writes of slack for progress
     * events within the same millisecond. */
    print_message("callback calls: %ld, largest gap %llu bytes\n", n, (unsigned long long)max_gap);
    assert_true(max_gap <= BIG_SIZE / 4 + 4u * TU_MB);
    /* At least the three steps inside the file plus Transferred... */
    assert_true(n >= 4);
    /* ...but far fewer than one per write: four steps and the state
     * changes (Transferring, Transferred), with room to spare. */
    assert_true(n <= 12);
    IDODownload_Release(d);
    free(cb_log);
    cb_log = NULL;
    CloseHandle(cb.done);
}

/* Read everything an IStream holds, from its start. */
static BYTE *stream_contents(IStream *stm, ULONG *size)
{
    LARGE_INTEGER zero = {{0}};
    ULARGE_INTEGER end;
    BYTE *buf;
    ULONG got = 0;

    assert_hr(S_OK, IStream_Seek(stm, zero, STREAM_SEEK_END, &end));
    assert_true(end.QuadPart < 0x7fffffff);
    *size = (ULONG)end.QuadPart;
    assert_hr(S_OK, IStream_Seek(stm, zero, STREAM_SEEK_SET, NULL));
    buf = malloc(*size + 1);
    assert_non_null(buf);
    assert_true(SUCCEEDED(IStream_Read(stm, buf, *size, &got)));
    assert_int_equal(got, *size);
    return buf;
}

static BYTE *file_contents(const WCHAR *path, ULONG *size)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    BYTE *buf;
    DWORD got = 0;

    assert_true(h != INVALID_HANDLE_VALUE);
    *size = GetFileSize(h, NULL);
    buf = malloc(*size + 1);
    assert_non_null(buf);
    assert_true(ReadFile(h, buf, *size, &got, NULL));
    assert_int_equal(got, *size);
    CloseHandle(h);
    return buf;
}

/* StreamInterface: the bytes end up in the caller's IStream, in order, and
 * no file is left anywhere; a download has a path or a stream, never both. */
static void test_stream_sink(void **state)
{
    IDODownload *d = new_download(), *other = new_download();
    WCHAR local[MAX_PATH], temp_dir[MAX_PATH], leftover[MAX_PATH * 2];
    int temps_before;
    IStream *stm = NULL;
    BYTE *got, *want;
    ULONG got_size, want_size;
    VARIANT v;

    (void)state;
    tu_path(local, ARRAYSIZE(local), L"stream-never.out");
    assert_hr(S_OK, CreateStreamOnHGlobal(NULL, TRUE, &stm));
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)stm;

    /* Path first, then a stream: refused (and the other way round). */
    assert_hr(S_OK, tu_do_set_bstr(other, DODownloadProperty_LocalPath, local));
    assert_hr(DO_E_FILE_DOWNLOADSINK_ALREADY_SET,
              IDODownload_SetProperty(other, DODownloadProperty_StreamInterface, &v));
    assert_hr(S_OK, IDODownload_Abort(other));
    IDODownload_Release(other);

    /* A stream cannot outlive the host: not with NonVolatile (either order). */
    other = new_download();
    assert_hr(S_OK, tu_do_set_bool(other, DODownloadProperty_NonVolatile, TRUE));
    assert_hr(E_NOTIMPL, IDODownload_SetProperty(other, DODownloadProperty_StreamInterface, &v));
    assert_hr(S_OK, tu_do_set_bool(other, DODownloadProperty_NonVolatile, FALSE));
    assert_hr(S_OK, IDODownload_SetProperty(other, DODownloadProperty_StreamInterface, &v));
    assert_hr(E_NOTIMPL, tu_do_set_bool(other, DODownloadProperty_NonVolatile, TRUE));
    check_bool(other, DODownloadProperty_NonVolatile, FALSE);
    assert_hr(S_OK, IDODownload_Abort(other));
    IDODownload_Release(other);
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)stm;

    assert_hr(E_NOT_SET, IDODownload_GetProperty(d, DODownloadProperty_StreamInterface, &v));
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)stm;
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, small_url));
    assert_hr(S_OK, IDODownload_SetProperty(d, DODownloadProperty_StreamInterface, &v));
    assert_hr(DO_E_FILE_DOWNLOADSINK_ALREADY_SET,
              tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(E_NOT_SET, IDODownload_GetProperty(d, DODownloadProperty_LocalPath, &v));
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_StreamInterface, &v));
    assert_int_equal(V_VT(&v), VT_UNKNOWN);
    assert_non_null(V_UNKNOWN(&v));
    VariantClear(&v);
    assert_true(GetTempPathW(ARRAYSIZE(temp_dir), temp_dir) > 0);
    temps_before = tu_count_temp_files(temp_dir);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_int_equal(status_of(d).State, DODownloadState_Transferred);
    /* Every byte is in the stream by the time the download is Transferred. */
    got = stream_contents(stm, &got_size);
    want = file_contents(small_src, &want_size);
    assert_int_equal(got_size, SMALL_SIZE);
    assert_int_equal(got_size, want_size);
    assert_memory_equal(got, want, want_size);
    free(got);
    free(want);
    /* The sink cannot change once started. */
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = NULL;
    assert_hr(DO_E_INVALID_STATE, IDODownload_SetProperty(d, DODownloadProperty_StreamInterface, &v));

    assert_hr(S_OK, IDODownload_Finalize(d));
    /* No file anywhere: not in the test folder, no temp file left in %TEMP%
     * (the engine's hidden file there is named after the download's id). */
    assert_false(tu_exists(local));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    assert_int_equal(tu_count_temp_files(temp_dir), temps_before);
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_Id, &v));
    swprintf(leftover, ARRAYSIZE(leftover), L"%lsbitsdo-stream-%ls.tmp", temp_dir, V_BSTR(&v));
    VariantClear(&v);
    assert_false(tu_exists(leftover));
    /* The stream was let go of after Finalize: ours is the last reference. */
    assert_int_equal(IStream_Release(stm), 0);
    IDODownload_Release(d);
}

static ULONG enum_count(const DO_DOWNLOAD_ENUM_CATEGORY *category)
{
    IEnumUnknown *e = NULL;
    IUnknown *item;
    IDODownload *d;
    ULONG n = 0, got;
    HRESULT hr;

    hr = IDOManager_EnumDownloads(mgr, category, &e);
    if (hr == DO_E_NO_DOWNLOADS) { /* nothing to enumerate (test_do_answers) */
        assert_null(e);
        return 0;
    }
    assert_hr(S_OK, hr);
    while (IEnumUnknown_Next(e, 1, &item, &got) == S_OK) {
        assert_int_equal(got, 1);
        assert_hr(S_OK, IUnknown_QueryInterface(item, &IID_IDODownload, (void **)&d));
        IDODownload_Release(d);
        IUnknown_Release(item);
        n++;
    }
    IEnumUnknown_Release(e);
    assert_true(n > 0); /* never an empty enumerator */
    return n;
}

static void test_enum_downloads(void **state)
{
    IDODownload *a = new_download(), *b = new_download();
    IBackgroundCopyManager *bits = tu_manager();
    IBackgroundCopyJob *job = tu_create_job(bits, L"not a DO download", NULL);
    DO_DOWNLOAD_ENUM_CATEGORY cat;
    WCHAR local[MAX_PATH];
    IEnumUnknown *e, *clone;
    IUnknown *items[3];
    ULONG base, got;
    VARIANT id;

    (void)state;
    tu_path(local, ARRAYSIZE(local), L"enum-a.out");
    assert_hr(S_OK, tu_do_set_bstr(a, DODownloadProperty_DisplayName, L"enum A"));
    assert_hr(S_OK, tu_do_set_bstr(a, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, tu_do_set_bstr(b, DODownloadProperty_DisplayName, L"enum B"));
    assert_hr(S_OK, tu_do_set_bstr(b, DODownloadProperty_Uri, small_url));

    assert_hr(E_POINTER, IDOManager_EnumDownloads(mgr, NULL, NULL));
    base = enum_count(NULL);
    assert_true(base >= 2);
    cat.Property = DODownloadProperty_DisplayName;
    cat.Value = L"enum A";
    assert_int_equal(enum_count(&cat), 1);
    cat.Value = L"not a DO download"; /* the BITS job's name */
    assert_int_equal(enum_count(&cat), 0);
    cat.Property = DODownloadProperty_Uri;
    cat.Value = small_url;
    assert_int_equal(enum_count(&cat), 1);
    cat.Property = DODownloadProperty_LocalPath;
    cat.Value = local;
    assert_int_equal(enum_count(&cat), 1);
    cat.Property = DODownloadProperty_ContentId;
    cat.Value = L"x";
    assert_int_equal(enum_count(&cat), 0);
    assert_hr(S_OK, IDODownload_GetProperty(b, DODownloadProperty_Id, &id));
    cat.Property = DODownloadProperty_Id;
    cat.Value = V_BSTR(&id);
    assert_int_equal(enum_count(&cat), 1);
    VariantClear(&id);
    cat.Property = DODownloadProperty_BlockingMode;
    assert_hr(E_INVALIDARG, IDOManager_EnumDownloads(mgr, &cat, &e));
    cat.Property = DODownloadProperty_Uri;
    cat.Value = NULL;
    assert_hr(E_INVALIDARG, IDOManager_EnumDownloads(mgr, &cat, &e));

    /* Next/Skip/Reset/Clone. */
    assert_hr(S_OK, IDOManager_EnumDownloads(mgr, NULL, &e));
    assert_hr(E_INVALIDARG, IEnumUnknown_Next(e, 2, items, NULL));
    assert_hr(S_OK, IEnumUnknown_Next(e, 1, items, NULL));
    IUnknown_Release(items[0]);
    assert_hr(S_OK, IEnumUnknown_Clone(e, &clone));
    assert_hr(S_FALSE, IEnumUnknown_Skip(e, base));
    assert_hr(S_FALSE, IEnumUnknown_Next(e, 1, items, &got));
    assert_int_equal(got, 0);
    assert_hr(S_OK, IEnumUnknown_Reset(e));
    assert_hr(S_OK, IEnumUnknown_Skip(e, base));
    assert_hr(S_OK, IEnumUnknown_Skip(clone, base - 1));
    assert_hr(S_FALSE, IEnumUnknown_Skip(clone, 1));
    IEnumUnknown_Release(clone);
    IEnumUnknown_Release(e);

    /* Aborted downloads leave the list. */
    assert_hr(S_OK, IDODownload_Abort(a));
    assert_int_equal(enum_count(NULL), base - 1);
    assert_hr(S_OK, IDODownload_Abort(b));
    assert_int_equal(enum_count(NULL), base - 2);
    IDODownload_Release(a);
    IDODownload_Release(b);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(bits);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_property_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_property_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_start_finalize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_deletes_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_called, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_frequency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enum_downloads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, tu_group_teardown);
}
