/* The HTTP/HTTPS transport through the registered DLL, against nginx and
 * the fault server on loopback: sizes, byte-exact results, kept-alive
 * connections, HTTPS verified against the test CA, proxies, custom
 * headers, credentials, IBackgroundCopyJobHttpOptions, and Suspend/Cancel
 * cutting a stalled request short.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <stdlib.h>
#include <string.h>

static IBackgroundCopyManager *mgr;

#define HR_CANNOT_CONNECT HRESULT_FROM_WIN32(ERROR_WINHTTP_CANNOT_CONNECT)
#define HR_CN_INVALID     HRESULT_FROM_WIN32(ERROR_WINHTTP_SECURE_CERT_CN_INVALID)

static int group_setup(void **state)
{
    if (tu_group_setup(state) || !ht_init())
        return -1;
    mgr = tu_manager();
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

static WCHAR *nginx_url(WCHAR *out, size_t cap, BOOL tls, const WCHAR *name)
{
    swprintf(out,
             cap,
             L"%ls://%ls:%u/%ls",
             tls ? L"https" : L"http",
             tls ? L"localhost" : L"127.0.0.1",
             tls ? ht.nginx_https : ht.nginx_http,
             name);
    return out;
}

/* --- plain downloads ------------------------------------------------------ */

static void test_sizes(void **state)
{
    static const UINT64 sizes[] = {0, 1, 4095, 65537, TU_MB + 7, 32 * TU_MB + 3};
    WCHAR src[6][MAX_PATH], local[6][MAX_PATH], dir[MAX_PATH], url[512], name[64];
    IBackgroundCopyJob *job;
    BG_JOB_PROGRESS p;
    UINT64 total = 0;
    unsigned i;

    (void)state;
    tu_path(dir, MAX_PATH, L"sizes");
    assert_true(tu_mkdirs(dir));
    job = tu_create_job(mgr, L"sizes", NULL);
    for (i = 0; i < 6; i++) {
        swprintf(name, 64, L"http-size-%u.bin", i);
        ht_make(src[i], MAX_PATH, name, sizes[i], 100 + i);
        swprintf(local[i], MAX_PATH, L"%ls\\size-%u.out", dir, i);
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, nginx_url(url, 512, FALSE, name), local[i]));
        total += sizes[i];
    }
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    p = tu_progress(job);
    assert_int_equal(p.BytesTotal, total);
    assert_int_equal(p.BytesTransferred, total);
    assert_int_equal(p.FilesTransferred, 6);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    for (i = 0; i < 6; i++)
        assert_true(tu_files_equal(local[i], src[i]));
    assert_int_equal(tu_count_temp_files(dir), 0);
    IBackgroundCopyJob_Release(job);
}

/* IBackgroundCopyFile5::GetProperty(BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
 * after a transfer, as in Microsoft's sample: the head of the last response
 * for that file (each file its own: two files of different sizes show their
 * own Content-Length). */
static WCHAR *file_headers(IBackgroundCopyJob *job, ULONG index)
{
    IBackgroundCopyFile *file = tu_job_file(job, index);
    IBackgroundCopyFile5 *file5 = tu_qi(file, &IID_IBackgroundCopyFile5);
    BITS_FILE_PROPERTY_VALUE v;

    v.String = NULL;
    assert_hr(S_OK, IBackgroundCopyFile5_GetProperty(file5, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &v));
    assert_non_null(v.String);
    IBackgroundCopyFile5_Release(file5);
    IBackgroundCopyFile_Release(file);
    return v.String;
}

static void test_file_response_headers(void **state)
{
    WCHAR src[2][MAX_PATH], local[2][MAX_PATH], url[512];
    IBackgroundCopyJob *job;
    WCHAR *h0, *h1;

    (void)state;
    ht_make(src[0], MAX_PATH, L"headers-a.bin", 1234, 71);
    ht_make(src[1], MAX_PATH, L"headers-b.bin", 56789, 72);
    tu_path(local[0], MAX_PATH, L"headers-a.out");
    tu_path(local[1], MAX_PATH, L"headers-b.out");
    job = tu_create_job(mgr, L"response headers", NULL);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, nginx_url(url, 512, FALSE, L"headers-a.bin"), local[0]));
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, nginx_url(url, 512, FALSE, L"headers-b.bin"), local[1]));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    h0 = file_headers(job, 0);
    h1 = file_headers(job, 1);
    print_message("file 0:\n%ls", h0);
    assert_true(!wcsncmp(h0, L"HTTP/1.1 200", 12));
    assert_non_null(wcsstr(h0, L"Content-Length: 1234\r\n"));
    assert_non_null(wcsstr(h1, L"Content-Length: 56789\r\n"));
    assert_non_null(wcsstr(h0, L"Server: nginx"));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    CoTaskMemFree(h0);
    CoTaskMemFree(h1);
    assert_true(tu_files_equal(local[0], src[0]));
    assert_true(tu_files_equal(local[1], src[1]));
    IBackgroundCopyJob_Release(job);
    DeleteFileW(local[0]);
    DeleteFileW(local[1]);
}

static void test_https(void **state)
{
    WCHAR src[MAX_PATH], local[MAX_PATH], url[512];
    IBackgroundCopyJob *job;

    (void)state;
    ht_make(src, MAX_PATH, L"http-tls.bin", 4 * TU_MB + 1, 7);
    tu_path(local, MAX_PATH, L"tls.out");
    job = ht_start(mgr, nginx_url(url, 512, TRUE, L"http-tls.bin"), local);
    ht_complete_equal(job, local, src);
    IBackgroundCopyJob_Release(job);
}

/* The certificate names localhost and 127.0.0.1; "127.1" reaches the same
 * server under a name the certificate does not carry. */
static void test_https_name_mismatch(void **state)
{
    WCHAR src[MAX_PATH], local[MAX_PATH], url[512];
    IBackgroundCopyJob *job;
    IBackgroundCopyJobHttpOptions *options;
    BG_ERROR_CONTEXT context;
    HRESULT hr;

    (void)state;
    ht_make(src, MAX_PATH, L"http-cn.bin", 1000, 8);
    tu_path(local, MAX_PATH, L"cn.out");
    swprintf(url, 512, L"https://127.1:%u/http-cn.bin", ht.nginx_https);
    job = ht_start(mgr, url, local);
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_ERROR);
    ht_error(job, &hr, &context);
    /* Windows names the failed check (SECURE_FAILURE details); Wine 8
     * reports only that the secure channel could not be set up. Either
     * way it is fatal, and nothing was written. */
    if (hr != HR_CN_INVALID && hr != HRESULT_FROM_WIN32(ERROR_WINHTTP_SECURE_CHANNEL_ERROR)) {
        print_error("unexpected error 0x%08lx\n", (unsigned long)hr);
        fail();
    }
    assert_int_equal(context, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(tu_progress(job).BytesTransferred, 0);

    options = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, BG_SSL_IGNORE_CERT_CN_INVALID));
    IBackgroundCopyJobHttpOptions_Release(options);
    assert_int_equal(ht_retry(job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(job, local, src);
    IBackgroundCopyJob_Release(job);
}

static void test_not_found(void **state)
{
    WCHAR local[MAX_PATH], url[512];
    IBackgroundCopyJob *job;

    (void)state;
    tu_path(local, MAX_PATH, L"missing.out");
    job = ht_start(mgr, nginx_url(url, 512, FALSE, L"no-such-file.bin"), local);
    ht_expect_error(job, BG_JOB_STATE_ERROR, BG_E_HTTP_ERROR_404, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(BG_S_PARTIAL_COMPLETE, IBackgroundCopyJob_Complete(job));
    assert_false(tu_exists(local));
    IBackgroundCopyJob_Release(job);
}

static void test_dead_port(void **state)
{
    WCHAR local[MAX_PATH], url[512];
    IBackgroundCopyJob *job;

    (void)state;
    tu_path(local, MAX_PATH, L"dead.out");
    swprintf(url, 512, L"http://127.0.0.1:%u/x.bin", ht_dead_port());
    job = ht_start(mgr, url, local);
    ht_expect_error(job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CANNOT_CONNECT, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);

    /* With a no-progress timeout the transient error becomes final. */
    assert_hr(S_OK, IBackgroundCopyJob_SetNoProgressTimeout(job, 1));
    assert_int_equal(ht_retry(job), BG_JOB_STATE_TRANSIENT_ERROR);
    assert_true(wait_for_state(job, BG_JOB_STATE_ERROR, TU_WAIT_MS));
    ht_expect_error(job, BG_JOB_STATE_ERROR, HR_CANNOT_CONNECT, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
}

/* --- kept-alive connections ----------------------------------------------- */

static void keep_alive(BOOL tls)
{
    WCHAR src[MAX_PATH], local[20][MAX_PATH], url[512], name[64];
    IBackgroundCopyJob *job;
    char token[64], *json;
    unsigned i;

    ht_token(token, sizeof(token), "ka");
    ht_make(src, MAX_PATH, L"http-small.bin", 10000, 9);
    job = tu_create_job(mgr, L"keep-alive", NULL);
    for (i = 0; i < 20; i++) {
        /* Twenty URLs of one host (the fault server counts per token). */
        swprintf(name, 64, L"k%u", i);
        swprintf(url,
                 512,
                 L"%ls://%ls:%u/fault/id=%hs/http-small.bin?%ls",
                 tls ? L"https" : L"http",
                 tls ? L"localhost" : L"127.0.0.1",
                 tls ? ht.fault_https : ht.fault_http,
                 token,
                 name);
        tu_path(local[i], MAX_PATH, L"ka-%hs-%u.out", tls ? "tls" : "plain", i);
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url, local[i]));
    }
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    for (i = 0; i < 20; i++)
        assert_true(tu_files_equal(local[i], src));
    json = ht_stats(token);
    assert_int_equal(ht_json_int(json, "get"), 20);
    /* One connection served all twenty (a pooled one the server had closed
     * would add one; the server keeps them for 60 s). */
    assert_int_equal(ht_json_int(json, "connections"), 1);
    free(json);
    IBackgroundCopyJob_Release(job);
}

static void test_keep_alive(void **state)
{
    (void)state;
    keep_alive(FALSE);
}

static void test_keep_alive_tls(void **state)
{
    (void)state;
    keep_alive(TRUE);
}

/* --- proxies ---------------------------------------------------------------- */

static void test_proxy(void **state)
{
    WCHAR src[MAX_PATH], local[MAX_PATH], url[512], proxy[64];
    IBackgroundCopyJob *job;
    char token[64], *json;

    (void)state;
    ht_make(src, MAX_PATH, L"http-proxy.bin", 200000, 10);

    /* A proxy nobody listens on: a transient network error. */
    tu_path(local, MAX_PATH, L"proxy1.out");
    job = ht_job(mgr, nginx_url(url, 512, FALSE, L"http-proxy.bin"), local);
    swprintf(proxy, 64, L"127.0.0.1:%u", ht_dead_port());
    assert_hr(S_OK, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, proxy, NULL));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_expect_error(job, BG_JOB_STATE_TRANSIENT_ERROR, HR_CANNOT_CONNECT, BG_ERROR_CONTEXT_GENERAL_TRANSPORT);
    /* Without it the same job gets through. */
    assert_hr(S_OK, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL));
    assert_int_equal(ht_retry(job), BG_JOB_STATE_TRANSFERRED);
    ht_complete_equal(job, local, src);
    IBackgroundCopyJob_Release(job);

    /* The dead proxy again, but the host is on the bypass list. */
    tu_path(local, MAX_PATH, L"proxy2.out");
    job = ht_job(mgr, nginx_url(url, 512, FALSE, L"http-proxy.bin"), local);
    assert_hr(S_OK,
              IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, proxy, L"127.0.0.1"));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_complete_equal(job, local, src);
    IBackgroundCopyJob_Release(job);

    /* A live proxy (the fault server forwards nothing; it serves the path
     * of an absolute-form request itself): the request went through it. */
    ht_token(token, sizeof(token), "px");
    tu_path(local, MAX_PATH, L"proxy3.out");
    swprintf(url, 512, L"http://origin.invalid/fault/id=%hs/http-proxy.bin", token);
    job = ht_job(mgr, url, local);
    swprintf(proxy, 64, L"127.0.0.1:%u", ht.fault_http);
    assert_hr(S_OK, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, proxy, NULL));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_complete_equal(job, local, src);
    json = ht_stats(token);
    assert_int_equal(ht_json_int(json, "get"), 1);
    assert_int_equal(ht_count(json, "\"proxied\": true"), 1);
    free(json);
    IBackgroundCopyJob_Release(job);
}

/* --- IBackgroundCopyJobHttpOptions ----------------------------------------- */

static void test_http_options_api(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"options", NULL);
    IBackgroundCopyJobHttpOptions *options = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);
    IBackgroundCopyJob *back = tu_qi(options, &IID_IBackgroundCopyJob);
    WCHAR *headers = (WCHAR *)1, *big, *store = NULL, *subject = NULL;
    BG_CERT_STORE_LOCATION location;
    BYTE hash[20] = {0}, *hash_out = NULL;
    ULONG flags = 99;
    size_t i;

    (void)state;
    assert_ptr_equal(back, job);
    IBackgroundCopyJob_Release(back);

    /* Headers: none at first (S_FALSE), set, read back, cleared. */
    assert_hr(S_FALSE, IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers));
    assert_null(headers);
    assert_null_arg(IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, NULL));
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-One: 1\r\nX-Two: two\r\n"));
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers));
    assert_wstr_equal(headers, L"X-One: 1\r\nX-Two: two\r\n");
    CoTaskMemFree(headers);
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, NULL));
    assert_hr(S_FALSE, IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers));

    /* Malformed or reserved headers, and the documented size limit. */
    assert_hr(E_INVALIDARG, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"no colon\r\n"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-A: 1\nX-B: 2\r\n"));
    assert_hr(E_INVALIDARG,
              IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-A: 1\r\n\r\nX-B: 2\r\n"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"Bad Name: 1\r\n"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"Range: bytes=0-\r\n"));
    assert_hr(E_INVALIDARG, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"host: x\r\n"));
    big = malloc(20000 * sizeof(WCHAR));
    assert_non_null(big);
    wcscpy(big, L"X-Big: ");
    for (i = wcslen(big); i < 16390; i++)
        big[i] = L'a';
    big[i] = 0;
    assert_hr(BG_E_STRING_TOO_LONG, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, big));
    free(big);
    assert_hr(S_FALSE, IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &headers));

    /* Security flags. */
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_GetSecurityFlags(options, &flags));
    assert_int_equal(flags, 0);
    assert_hr(S_OK,
              IBackgroundCopyJobHttpOptions_SetSecurityFlags(
                  options,
                  BG_SSL_IGNORE_UNKNOWN_CA | BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT |
                      BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP));
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_GetSecurityFlags(options, &flags));
    assert_int_equal(flags,
                     BG_SSL_IGNORE_UNKNOWN_CA | BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT |
                         BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP);
    assert_hr(E_NOTIMPL, IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, 0x1000));
    assert_hr(E_NOTIMPL, IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, 0x0300));
    assert_null_arg(IBackgroundCopyJobHttpOptions_GetSecurityFlags(options, NULL));

    /* Client certificates are not implemented, and say so. */
    assert_hr(E_NOTIMPL,
              IBackgroundCopyJobHttpOptions_SetClientCertificateByID(
                  options, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY", hash));
    assert_hr(E_NOTIMPL,
              IBackgroundCopyJobHttpOptions_SetClientCertificateByName(
                  options, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY", L"someone"));
    assert_hr(E_NOTIMPL, IBackgroundCopyJobHttpOptions_RemoveClientCertificate(options));
    assert_hr(
        E_NOTIMPL,
        IBackgroundCopyJobHttpOptions_GetClientCertificate(options, &location, &store, &hash_out, &subject));

    /* A cancelled job takes no more changes. */
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-A: 1\r\n"));
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJobHttpOptions_SetSecurityFlags(options, 0));
    IBackgroundCopyJobHttpOptions_Release(options);
    IBackgroundCopyJob_Release(job);
}

/* The custom headers reach the server, on both wires. */
static void custom_headers(BOOL tls)
{
    WCHAR src[MAX_PATH], local[MAX_PATH], url[512];
    IBackgroundCopyJob *job;
    IBackgroundCopyJobHttpOptions *options;
    char token[64], *json;

    ht_token(token, sizeof(token), "hd");
    ht_make(src, MAX_PATH, L"http-headers.bin", 5000, 11);
    tu_path(local, MAX_PATH, L"headers-%d.out", tls);
    swprintf(url,
             512,
             L"%ls://%ls:%u/fault/id=%hs/http-headers.bin",
             tls ? L"https" : L"http",
             tls ? L"localhost" : L"127.0.0.1",
             tls ? ht.fault_https : ht.fault_http,
             token);
    job = ht_job(mgr, url, local);
    options = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);
    assert_hr(S_OK,
              IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-Bitsdo-Test: 42\r\nX-Other: a b"));
    IBackgroundCopyJobHttpOptions_Release(options);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_complete_equal(job, local, src);
    json = ht_stats(token);
    assert_int_equal(ht_count(json, "\"x-bitsdo-test\": \"42\""), 1);
    assert_int_equal(ht_count(json, "\"x-other\": \"a b\""), 1);
    free(json);
    IBackgroundCopyJob_Release(job);
}

static void test_custom_headers(void **state)
{
    (void)state;
    custom_headers(FALSE);
}

static void test_custom_headers_tls(void **state)
{
    (void)state;
    custom_headers(TRUE);
}

/* --- credentials -------------------------------------------------------------- */

static void test_credentials_api(void **state)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"credentials", NULL);
    IBackgroundCopyJob2 *job2 = tu_qi(job, &IID_IBackgroundCopyJob2);
    BG_AUTH_CREDENTIALS cred;
    WCHAR *longer;
    size_t i;

    (void)state;
    memset(&cred, 0, sizeof(cred));
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = (WCHAR *)L"user";
    cred.Credentials.Basic.Password = (WCHAR *)L"pass";
    assert_hr(S_OK, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    assert_hr(S_OK, IBackgroundCopyJob2_SetCredentials(job2, &cred)); /* replaces */
    assert_null_arg(IBackgroundCopyJob2_SetCredentials(job2, NULL));

    cred.Target = 3;
    assert_hr(BG_E_INVALID_AUTH_TARGET, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    cred.Target = BG_AUTH_TARGET_PROXY;
    cred.Scheme = 9;
    assert_hr(BG_E_INVALID_AUTH_SCHEME, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    cred.Scheme = BG_AUTH_SCHEME_DIGEST;
    cred.Credentials.Basic.Password = NULL;
    assert_hr(E_INVALIDARG, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    /* NTLM without a name: the logged-on user. */
    cred.Scheme = BG_AUTH_SCHEME_NTLM;
    cred.Credentials.Basic.UserName = NULL;
    assert_hr(S_OK, IBackgroundCopyJob2_SetCredentials(job2, &cred));

    longer = malloc(70000 * sizeof(WCHAR));
    assert_non_null(longer);
    for (i = 0; i < 301; i++)
        longer[i] = L'u';
    longer[i] = 0;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = longer;
    cred.Credentials.Basic.Password = (WCHAR *)L"p";
    assert_hr(BG_E_USERNAME_TOO_LARGE, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    for (i = 0; i < 65537; i++)
        longer[i] = L'p';
    longer[i] = 0;
    cred.Credentials.Basic.UserName = (WCHAR *)L"u";
    cred.Credentials.Basic.Password = longer;
    assert_hr(BG_E_PASSWORD_TOO_LARGE, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    free(longer);

    assert_hr(S_OK, IBackgroundCopyJob2_RemoveCredentials(job2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC));
    assert_hr(S_FALSE,
              IBackgroundCopyJob2_RemoveCredentials(job2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC));
    assert_hr(S_OK, IBackgroundCopyJob2_RemoveCredentials(job2, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_NTLM));
    assert_hr(S_FALSE,
              IBackgroundCopyJob2_RemoveCredentials(job2, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_DIGEST));
    assert_hr(BG_E_INVALID_AUTH_TARGET, IBackgroundCopyJob2_RemoveCredentials(job2, 0, BG_AUTH_SCHEME_BASIC));
    assert_hr(BG_E_INVALID_AUTH_SCHEME,
              IBackgroundCopyJob2_RemoveCredentials(job2, BG_AUTH_TARGET_SERVER, 0));

    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    cred.Credentials.Basic.Password = (WCHAR *)L"p";
    assert_hr(BG_E_INVALID_STATE, IBackgroundCopyJob2_SetCredentials(job2, &cred));
    assert_hr(BG_E_INVALID_STATE,
              IBackgroundCopyJob2_RemoveCredentials(job2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC));
    IBackgroundCopyJob2_Release(job2);
    IBackgroundCopyJob_Release(job);
}

/* Basic credentials over HTTPS go through WinHTTP's own handling. */
/* A job for url with the fault server's basic=bob:pw credentials set. */
static IBackgroundCopyJob *basic_auth_job(const WCHAR *url, const WCHAR *local, IBackgroundCopyJob2 **job2)
{
    IBackgroundCopyJob *job = ht_job(mgr, url, local);
    BG_AUTH_CREDENTIALS cred;

    *job2 = tu_qi(job, &IID_IBackgroundCopyJob2);
    memset(&cred, 0, sizeof(cred));
    cred.Target = BG_AUTH_TARGET_SERVER;
    cred.Scheme = BG_AUTH_SCHEME_BASIC;
    cred.Credentials.Basic.UserName = (WCHAR *)L"bob";
    cred.Credentials.Basic.Password = (WCHAR *)L"pw";
    assert_hr(S_OK, IBackgroundCopyJob2_SetCredentials(*job2, &cred));
    return job;
}

static void test_basic_auth_tls(void **state)
{
    WCHAR src[MAX_PATH], local[MAX_PATH], url[512];
    IBackgroundCopyJob *job;
    IBackgroundCopyJob2 *job2;
    char token[64];

    (void)state;
    ht_token(token, sizeof(token), "au");
    ht_make(src, MAX_PATH, L"http-auth.bin", 3000, 12);
    tu_path(local, MAX_PATH, L"auth-tls.out");
    swprintf(
        url, 512, L"https://localhost:%u/fault/id=%hs,basic=bob:pw/http-auth.bin", ht.fault_https, token);
    job = basic_auth_job(url, local, &job2);
    IBackgroundCopyJob2_Release(job2);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_complete_equal(job, local, src);
    IBackgroundCopyJob_Release(job);
}

/* TakeOwnership drops the credentials (documented): the new owner's
 * transfer is refused by the server, as one with no credentials is. */
static void test_take_ownership_drops_credentials(void **state)
{
    WCHAR src[MAX_PATH], local[MAX_PATH], url[512];
    IBackgroundCopyJob *job;
    IBackgroundCopyJob2 *job2;
    char token[64];

    (void)state;
    ht_token(token, sizeof(token), "own");
    ht_make(src, MAX_PATH, L"http-auth.bin", 3000, 12);
    tu_path(local, MAX_PATH, L"auth-owner.out");
    swprintf(url, 512, L"http://127.0.0.1:%u/fault/id=%hs,basic=bob:pw/http-auth.bin", ht.fault_http, token);
    job = basic_auth_job(url, local, &job2);
    assert_hr(S_OK, IBackgroundCopyJob_TakeOwnership(job));
    /* Nothing is left to remove. */
    assert_hr(S_FALSE, IBackgroundCopyJob2_RemoveCredentials(job2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC));
    IBackgroundCopyJob2_Release(job2);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    ht_expect_error(job, BG_JOB_STATE_ERROR, BG_E_HTTP_ERROR_401, BG_ERROR_CONTEXT_REMOTE_FILE);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    assert_false(tu_exists(local));
    IBackgroundCopyJob_Release(job);
}

/* --- Suspend and Cancel during a stalled request ----------------------------- */

#define STALL_AT 100000u
/* The WinHTTP wire reads 64 KB at a time, so over HTTPS the bytes before a
 * stall are counted in 64 KB steps. */
#define TLS_STEP 65536u

typedef enum {
    STOP_CANCEL,
    STOP_SUSPEND
} stop_kind;

/* The server sends STALL_AT bytes (or, with delay, nothing) and then says
 * nothing for a minute; stopping the job must not wait for it. Cancel
 * waits for the transfer to let go of the job's files, so its return is
 * the moment the blocked request was abandoned. */
static void stalled(BOOL tls, BOOL before_head, stop_kind kind)
{
    WCHAR src[MAX_PATH], dir[MAX_PATH], local[MAX_PATH], url[512];
    IBackgroundCopyJob *job;
    char token[64], range[64], ranges[4][64], *json;
    double t0, elapsed;
    UINT64 counted = 0;

    ht_token(token, sizeof(token), "st");
    ht_make(src, MAX_PATH, L"http-stall.bin", TU_MB, 13);
    tu_path(dir, MAX_PATH, L"%hs", token);
    assert_true(tu_mkdirs(dir));
    swprintf(local, MAX_PATH, L"%ls\\stall.out", dir);
    swprintf(url,
             512,
             L"%ls://%ls:%u/fault/id=%hs,%hs/http-stall.bin",
             tls ? L"https" : L"http",
             tls ? L"localhost" : L"127.0.0.1",
             tls ? ht.fault_https : ht.fault_http,
             token,
             before_head ? "delay=60000:1" : "stall=60000:1,stall-at=100000");
    job = ht_start(mgr, url, local);
    if (before_head) {
        /* Wait until the request is at the server. */
        BOOL seen = FALSE;
        ULONGLONG deadline = tu_ms() + TU_WAIT_MS;
        while (!seen && tu_ms() < deadline) {
            json = ht_stats(token);
            seen = ht_json_int(json, "requests") == 1;
            free(json);
        }
        assert_true(seen);
    } else {
        counted = tls ? STALL_AT / TLS_STEP * TLS_STEP : STALL_AT;
        assert_true(tu_wait_bytes(job, counted, TU_WAIT_MS));
    }

    t0 = tu_seconds();
    if (kind == STOP_SUSPEND) {
        assert_hr(S_OK, IBackgroundCopyJob_Suspend(job));
        assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
        assert_int_equal(tu_progress(job).BytesTransferred, counted);
        assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
        /* The stall was for the first request only: the resumed job
         * finishes now if the stalled request was let go of. */
        assert_int_equal(tu_wait_settled(job, 20000), BG_JOB_STATE_TRANSFERRED);
        elapsed = tu_seconds() - t0;
        print_message("suspend + resume + rest of the file: %.3f s\n", elapsed);
        ht_complete_equal(job, local, src);
        json = ht_stats(token);
        assert_int_equal(ht_json_ranges(json, ranges, 4), 2);
        if (counted)
            sprintf(range, "bytes=%llu-", (unsigned long long)counted);
        else
            range[0] = 0;
        assert_string_equal(ranges[1], range);
        free(json);
    } else {
        assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
        elapsed = tu_seconds() - t0;
        print_message("cancel during a stalled request returned after %.3f s\n", elapsed);
        assert_true(elapsed < 1.0);
        assert_int_equal(tu_state(job), BG_JOB_STATE_CANCELLED);
        assert_int_equal(tu_count_temp_files(dir), 0);
        assert_false(tu_exists(local));
    }
    IBackgroundCopyJob_Release(job);
}

static void test_cancel_stalled_body(void **state)
{
    (void)state;
    stalled(FALSE, FALSE, STOP_CANCEL);
}

static void test_cancel_stalled_head(void **state)
{
    (void)state;
    stalled(FALSE, TRUE, STOP_CANCEL);
}

static void test_cancel_stalled_tls(void **state)
{
    (void)state;
    stalled(TRUE, FALSE, STOP_CANCEL);
    stalled(TRUE, TRUE, STOP_CANCEL);
}

static void test_suspend_stalled(void **state)
{
    (void)state;
    stalled(FALSE, FALSE, STOP_SUSPEND);
    stalled(FALSE, TRUE, STOP_SUSPEND);
}

static void test_suspend_stalled_tls(void **state)
{
    (void)state;
    stalled(TRUE, FALSE, STOP_SUSPEND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_file_response_headers),
        cmocka_unit_test(test_https),
        cmocka_unit_test(test_https_name_mismatch),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_dead_port),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_keep_alive_tls),
        cmocka_unit_test(test_proxy),
        cmocka_unit_test(test_http_options_api),
        cmocka_unit_test(test_custom_headers),
        cmocka_unit_test(test_custom_headers_tls),
        cmocka_unit_test(test_credentials_api),
        cmocka_unit_test(test_basic_auth_tls),
        cmocka_unit_test(test_take_ownership_drops_credentials),
        cmocka_unit_test(test_cancel_stalled_body),
        cmocka_unit_test(test_cancel_stalled_head),
        cmocka_unit_test(test_cancel_stalled_tls),
        cmocka_unit_test(test_suspend_stalled),
        cmocka_unit_test(test_suspend_stalled_tls),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
