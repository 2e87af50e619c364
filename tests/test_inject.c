/* Header injection, credentials kept out of sight, and a temp file deleted
 * under a job (issue 14), through the registered DLL against a loopback
 * server of this test that records every byte it receives:
 *   - custom headers (IBackgroundCopyJobHttpOptions, DO's
 *     HttpCustomHeaders), credentials (SetCredentials, server and proxy),
 *     proxy lists (SetProxySettings) and remote names (AddFile, AddFileSet,
 *     AddFileWithRanges, SetRemoteName, DO's Uri, BITS 1.0 AddFiles) with a
 *     CR, an LF or (in a BSTR) a NUL are refused where they are set, with
 *     E_INVALIDARG in every family; the transfer that follows puts no
 *     injected header or request on the wire (percent-encoded %0d%0a is
 *     sent as it is, encoded);
 *   - a job with credentials, run in the per-user host, persisted (the host
 *     stopped and started again) and completed: the password is in no file
 *     of the store or the host's log (UTF-16, UTF-8, or the Basic header's
 *     base64), in no `bitsdo --json` output and in no error description;
 *   - the temp file deleted while its file transfers, or after, before
 *     Complete: the job goes to ERROR with HRESULT_FROM_WIN32(
 *     ERROR_FILE_NOT_FOUND) and context LOCAL_FILE, the file counts from 0,
 *     and Resume transfers it again to a byte-exact final file.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"
#include "host_util.h"
#include "store.h"
#include "wstr.h"

#include <shlobj.h>
#include <winsock2.h>
#include <ws2tcpip.h>

#include <stdlib.h>
#include <string.h>

#define BODY_SIZE  (256u * 1024u)
#define HOLD_BYTES (64u * 1024u)
#define USER       "inject-user"
/* Long and unlikely enough never to occur by chance in a file. */
#define SECRET     "Pw7-q9Zr-secret-xK2v"

/* --- the recording server ---------------------------------------------------- */

/* Serves one body for every path, honours "Range: bytes=N-", and records
 * every byte received. Paths containing:
 *   /auth/  answer 401 (Basic) until the request carries expected_auth;
 *   /deny/  always answer 401;
 *   /hold/  (the first request only) send HOLD_BYTES, then wait for
 *           `release` before the rest. */
static struct {
    SOCKET listener;
    unsigned port;
    HANDLE thread;
    CRITICAL_SECTION lock;
    char *wire;
    size_t len, cap;
    HANDLE release;
    volatile LONG held;
    char expected_auth[256];
} srv;

static unsigned char body_byte(size_t i)
{
    return (unsigned char)((i * 7 + 3) & 0xff);
}

static void record(const char *data, int n)
{
    EnterCriticalSection(&srv.lock);
    if (srv.len + (size_t)n + 1 > srv.cap) {
        size_t cap = (srv.len + (size_t)n + 1) * 2;
        char *grown = realloc(srv.wire, cap);
        if (!grown) {
            LeaveCriticalSection(&srv.lock);
            return;
        }
        srv.wire = grown;
        srv.cap = cap;
    }
    memcpy(srv.wire + srv.len, data, (size_t)n);
    srv.len += (size_t)n;
    srv.wire[srv.len] = 0;
    LeaveCriticalSection(&srv.lock);
}

/* A copy of everything received so far (free it), NULs kept in *len. */
static char *wire_copy(size_t *len)
{
    char *out;

    EnterCriticalSection(&srv.lock);
    out = malloc(srv.len + 1);
    assert_non_null(out);
    if (srv.len)
        memcpy(out, srv.wire, srv.len);
    out[srv.len] = 0;
    *len = srv.len;
    LeaveCriticalSection(&srv.lock);
    return out;
}

static void wire_reset(void)
{
    EnterCriticalSection(&srv.lock);
    srv.len = 0;
    if (srv.wire)
        srv.wire[0] = 0;
    LeaveCriticalSection(&srv.lock);
}

static BOOL send_all(SOCKET s, const char *data, size_t n)
{
    while (n) {
        int sent = send(s, data, n > 65536 ? 65536 : (int)n, 0);
        if (sent <= 0)
            return FALSE;
        data += sent;
        n -= (size_t)sent;
    }
    return TRUE;
}

static BOOL send_body(SOCKET s, size_t from, size_t to)
{
    char buf[8192];
    size_t i, n;

    while (from < to) {
        n = to - from > sizeof(buf) ? sizeof(buf) : to - from;
        for (i = 0; i < n; i++)
            buf[i] = (char)body_byte(from + i);
        if (!send_all(s, buf, n))
            return FALSE;
        from += n;
    }
    return TRUE;
}

/* Finds a header line "name: value" (case-insensitive name) in the head. */
static const char *head_value(const char *head, const char *name)
{
    size_t n = strlen(name);
    const char *p;

    for (p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n"))
        if (!_strnicmp(p + 2, name, n) && p[2 + n] == ':')
            return p + 3 + n + strspn(p + 3 + n, " ");
    return NULL;
}

static DWORD WINAPI serve_connection(void *arg)
{
    SOCKET s = (SOCKET)(ULONG_PTR)arg;
    char head[65536], reply[512], path[2048] = "";
    const char *range, *auth;
    DWORD timeout = 20000;
    size_t got = 0, from = 0;
    BOOL is_head;
    int n;

    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof(timeout));
    while (got < sizeof(head) - 1) {
        if ((n = recv(s, head + got, (int)(sizeof(head) - 1 - got), 0)) <= 0)
            break;
        record(head + got, n);
        got += (size_t)n;
        head[got] = 0;
        if (strstr(head, "\r\n\r\n"))
            break;
    }
    head[got] = 0;
    if (!strstr(head, "\r\n\r\n")) {
        closesocket(s);
        return 0;
    }
    sscanf(head, "%*s %2047s", path);
    is_head = !strncmp(head, "HEAD ", 5);
    auth = head_value(head, "Authorization");
    if (strstr(path, "/deny/") ||
        (strstr(path, "/auth/") && (!auth || strncmp(auth, srv.expected_auth, strlen(srv.expected_auth)) ||
                                    auth[strlen(srv.expected_auth)] != '\r'))) {
        n = snprintf(reply, sizeof(reply),
                     "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"inject\"\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n");
        send_all(s, reply, (size_t)n);
    } else {
        if ((range = head_value(head, "Range")) && !strncmp(range, "bytes=", 6))
            from = strtoul(range + 6, NULL, 10);
        if (from > BODY_SIZE)
            from = BODY_SIZE;
        if (range)
            n = snprintf(reply, sizeof(reply),
                         "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %u-%u/%u\r\n"
                         "Content-Length: %u\r\nConnection: close\r\n\r\n",
                         (unsigned)from, BODY_SIZE - 1, BODY_SIZE, (unsigned)(BODY_SIZE - from));
        else
            n = snprintf(reply, sizeof(reply),
                         "HTTP/1.1 200 OK\r\nContent-Length: %u\r\nConnection: close\r\n\r\n", BODY_SIZE);
        if (send_all(s, reply, (size_t)n) && !is_head) {
            if (strstr(path, "/hold/") && from < HOLD_BYTES && !InterlockedExchange(&srv.held, 1)) {
                if (send_body(s, from, HOLD_BYTES))
                    WaitForSingleObject(srv.release, TU_WAIT_MS);
                from = HOLD_BYTES;
            }
            send_body(s, from, BODY_SIZE);
        }
    }
    /* Whatever else the client sends on this connection is recorded too. */
    shutdown(s, SD_SEND);
    while ((n = recv(s, head, sizeof(head), 0)) > 0)
        record(head, n);
    closesocket(s);
    return 0;
}

static DWORD WINAPI accept_loop(void *arg)
{
    SOCKET s;
    HANDLE t;

    (void)arg;
    while ((s = accept(srv.listener, NULL, NULL)) != INVALID_SOCKET) {
        if ((t = CreateThread(NULL, 0, serve_connection, (void *)(ULONG_PTR)s, 0, NULL)))
            CloseHandle(t);
        else
            closesocket(s);
    }
    return 0;
}

static void server_start(void)
{
    struct sockaddr_in addr = {0};
    int len = sizeof(addr);
    WSADATA wsa;

    assert_int_equal(0, WSAStartup(MAKEWORD(2, 2), &wsa));
    InitializeCriticalSection(&srv.lock);
    assert_non_null(srv.release = CreateEventW(NULL, TRUE, FALSE, NULL));
    srv.listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_true(srv.listener != INVALID_SOCKET);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(0, bind(srv.listener, (struct sockaddr *)&addr, sizeof(addr)));
    assert_int_equal(0, listen(srv.listener, 16));
    assert_int_equal(0, getsockname(srv.listener, (struct sockaddr *)&addr, &len));
    srv.port = ntohs(addr.sin_port);
    assert_non_null(srv.thread = CreateThread(NULL, 0, accept_loop, NULL, 0, NULL));
}

static void server_stop(void)
{
    closesocket(srv.listener);
    WaitForSingleObject(srv.thread, TU_WAIT_MS);
    CloseHandle(srv.thread);
    CloseHandle(srv.release);
    free(srv.wire);
    WSACleanup();
}

/* http://127.0.0.1:port + path. */
static WCHAR *url(WCHAR *out, const WCHAR *path)
{
    swprintf(out, 512, L"http://127.0.0.1:%u%ls", srv.port, path);
    return out;
}

/* --- what the wire must (not) hold ---------------------------------------- */

/* Lines (split at any CR or LF) of the wire that begin with something a
 * refused input would have put there. */
static int injected_lines(const char *wire, size_t len)
{
    static const char *const starts[] = {"x-injected", "get /injected", "head /injected", "injected"};
    size_t i, k;
    int found = 0;

    for (i = 0; i < len; i++) {
        if (i && wire[i - 1] != '\r' && wire[i - 1] != '\n')
            continue;
        for (k = 0; k < ARRAYSIZE(starts); k++)
            if (len - i >= strlen(starts[k]) && !_strnicmp(wire + i, starts[k], strlen(starts[k])))
                found++;
    }
    return found;
}

static void assert_wire_clean(void)
{
    size_t len;
    char *wire = wire_copy(&len);

    assert_true(len > 0);
    assert_int_equal(strlen(wire), len); /* no NUL ever sent */
    if (injected_lines(wire, len))
        print_error("wire:\n%s\n", wire);
    assert_int_equal(injected_lines(wire, len), 0);
    free(wire);
}

static int wire_count(const char *needle)
{
    size_t len;
    char *wire = wire_copy(&len);
    int n = 0;
    const char *p;

    for (p = wire; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    free(wire);
    return n;
}

/* TRUE if the file holds the server's body. */
static BOOL is_body(const WCHAR *path)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    unsigned char *buf;
    DWORD got = 0;
    BOOL ok;
    size_t i;

    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    buf = malloc(BODY_SIZE + 1);
    assert_non_null(buf);
    ok = ReadFile(h, buf, BODY_SIZE + 1, &got, NULL) && got == BODY_SIZE;
    for (i = 0; ok && i < BODY_SIZE; i++)
        ok = buf[i] == body_byte(i);
    free(buf);
    CloseHandle(h);
    return ok;
}

/* --- fixtures ------------------------------------------------------------------ */

static IBackgroundCopyManager *mgr;

static int group_setup(void **state)
{
    tu_group_setup(state);
    server_start();
    mgr = tu_manager();
    return 0;
}

static int group_teardown(void **state)
{
    IBackgroundCopyManager_Release(mgr);
    server_stop();
    return tu_group_teardown(state);
}

static int test_setup(void **state)
{
    (void)state;
    wire_reset();
    srv.held = 0;
    ResetEvent(srv.release);
    return 0;
}

/* Header lists that would end a line early or add one: each is refused. */
static const WCHAR *const bad_headers[] = {
    L"X-Good: yes\nX-Injected: 1",
    L"X-Good: yes\rX-Injected: 1",
    L"X-Good: yes\r\nX-Injected: 1\n",
    L"X-Good: yes\r\n\r\nGET /injected HTTP/1.1\r\n",
    L"X-Good: yes\r\nX-Injected: 1\r\n\r\n",
    L"X-Good: y\res\r\n",
    L"X-Good: y\nes\r\n",
    L"\r\nX-Injected: 1",
    L"X-Inje\ncted: 1\r\n",
    L"X-Good: yes\r\n\x01X-Injected: 1",
};

static IBackgroundCopyJob *job_for(const WCHAR *path, const WCHAR *local)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"inject", NULL);
    WCHAR remote[512];

    DeleteFileW(local);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url(remote, path), local));
    return job;
}

static void run_and_complete(IBackgroundCopyJob *job, const WCHAR *local)
{
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(is_body(local));
}

/* --- BITS: custom headers ------------------------------------------------------ */

static void test_bits_headers(void **state)
{
    WCHAR local[MAX_PATH], *got = NULL;
    IBackgroundCopyJob *job;
    IBackgroundCopyJobHttpOptions *options;
    size_t i;

    (void)state;
    tu_path(local, MAX_PATH, L"bits-headers.out");
    job = job_for(L"/bits-headers/file", local);
    options = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-Good: yes\r\n"));
    for (i = 0; i < ARRAYSIZE(bad_headers); i++) {
        HRESULT hr = IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, bad_headers[i]);
        if (hr != E_INVALIDARG)
            print_error("headers %u: 0x%08lx\n", (unsigned)i, (unsigned long)hr);
        assert_hr(E_INVALIDARG, hr);
    }
    /* The refused lists changed nothing. */
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_GetCustomHeaders(options, &got));
    assert_wstr_equal(got, L"X-Good: yes\r\n");
    CoTaskMemFree(got);
    IBackgroundCopyJobHttpOptions_Release(options);
    run_and_complete(job, local);
    IBackgroundCopyJob_Release(job);
    assert_int_equal(wire_count("\r\nX-Good: yes\r\n"), wire_count("GET /bits-headers/file "));
    assert_true(wire_count("GET /bits-headers/file ") >= 1);
    assert_wire_clean();
}

/* --- BITS: remote names -------------------------------------------------------- */

static const WCHAR *const bad_paths[] = {
    L"/bits-url/a\r\nX-Injected: 1",
    L"/bits-url/a\nX-Injected: 1",
    L"/bits-url/a\rX-Injected: 1",
    L"/bits-url/a HTTP/1.1\r\n\r\nGET /injected",
    L"/bits-url/a\tb",
};

static void test_bits_urls(void **state)
{
    WCHAR local[MAX_PATH], local2[MAX_PATH], remote[512], *name = NULL;
    IBackgroundCopyJob *job = tu_create_job(mgr, L"inject-urls", NULL);
    IBackgroundCopyJob3 *job3 = tu_qi(job, &IID_IBackgroundCopyJob3);
    IBackgroundCopyFile *file;
    IBackgroundCopyFile2 *file2;
    BG_FILE_RANGE range = {0, 100};
    BG_FILE_INFO set[2];
    size_t i;

    (void)state;
    tu_path(local, MAX_PATH, L"bits-url.out");
    tu_path(local2, MAX_PATH, L"bits-url-encoded.out");
    DeleteFileW(local);
    DeleteFileW(local2);
    for (i = 0; i < ARRAYSIZE(bad_paths); i++) {
        url(remote, bad_paths[i]);
        assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFile(job, remote, local));
        set[0].RemoteName = url(remote, bad_paths[i]);
        set[0].LocalName = local;
        assert_hr(E_INVALIDARG, IBackgroundCopyJob_AddFileSet(job, 1, set));
        assert_hr(E_INVALIDARG, IBackgroundCopyJob3_AddFileWithRanges(job3, remote, local, 1, &range));
    }
    assert_int_equal(tu_progress(job).FilesTotal, 0);

    /* Percent-encoded line breaks are data: sent encoded, as given. */
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url(remote, L"/bits-url/a"), local));
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url(remote, L"/bits-url/b%0d%0aX-Injected:%201"), local2));
    file = tu_job_file(job, 0);
    file2 = tu_qi(file, &IID_IBackgroundCopyFile2);
    for (i = 0; i < ARRAYSIZE(bad_paths); i++)
        assert_hr(E_INVALIDARG, IBackgroundCopyFile2_SetRemoteName(file2, url(remote, bad_paths[i])));
    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &name));
    assert_wstr_equal(name, url(remote, L"/bits-url/a"));
    CoTaskMemFree(name);
    IBackgroundCopyFile2_Release(file2);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyJob3_Release(job3);

    run_and_complete(job, local);
    assert_true(is_body(local2));
    IBackgroundCopyJob_Release(job);
    assert_true(wire_count("GET /bits-url/b%0d%0aX-Injected:%201 HTTP/1.1\r\n") >= 1);
    assert_wire_clean();
}

/* --- BITS: credentials and proxy lists ----------------------------------------- */

static void base64(const char *in, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), i;
    unsigned v;

    for (i = 0; i + 2 < n; i += 3) {
        v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        *out++ = abc[v >> 18];
        *out++ = abc[(v >> 12) & 63];
        *out++ = abc[(v >> 6) & 63];
        *out++ = abc[v & 63];
    }
    if (n - i == 1) {
        v = (unsigned char)in[i] << 16;
        *out++ = abc[v >> 18];
        *out++ = abc[(v >> 12) & 63];
        *out++ = '=';
        *out++ = '=';
    } else if (n - i == 2) {
        v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        *out++ = abc[v >> 18];
        *out++ = abc[(v >> 12) & 63];
        *out++ = abc[(v >> 6) & 63];
        *out++ = '=';
    }
    *out = 0;
}

static void expect_auth(void)
{
    char b64[128];

    base64(USER ":" SECRET, b64);
    snprintf(srv.expected_auth, sizeof(srv.expected_auth), "Basic %s", b64);
}

static void set_basic(IBackgroundCopyJob2 *job2, BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme,
                      const WCHAR *user, const WCHAR *pass, HRESULT expected)
{
    BG_AUTH_CREDENTIALS cred;

    memset(&cred, 0, sizeof(cred));
    cred.Target = target;
    cred.Scheme = scheme;
    cred.Credentials.Basic.UserName = (WCHAR *)user;
    cred.Credentials.Basic.Password = (WCHAR *)pass;
    assert_hr(expected, IBackgroundCopyJob2_SetCredentials(job2, &cred));
}

static void test_credentials_and_proxy(void **state)
{
    static const WCHAR *const bad[] = {
        L"a\r\nX-Injected: 1", L"a\nX-Injected: 1", L"a\rX-Injected: 1", L"\r\n\r\nGET /injected HTTP/1.1"};
    static const BG_AUTH_SCHEME schemes[] = {BG_AUTH_SCHEME_BASIC, BG_AUTH_SCHEME_DIGEST, BG_AUTH_SCHEME_NTLM,
                                             BG_AUTH_SCHEME_NEGOTIATE};
    WCHAR local[MAX_PATH], *list = NULL, *bypass = NULL;
    IBackgroundCopyJob *job;
    IBackgroundCopyJob2 *job2;
    BG_JOB_PROXY_USAGE usage;
    size_t i, s, t;

    (void)state;
    expect_auth();
    tu_path(local, MAX_PATH, L"bits-auth.out");
    job = job_for(L"/auth/bits-cred", local);
    job2 = tu_qi(job, &IID_IBackgroundCopyJob2);
    for (t = BG_AUTH_TARGET_SERVER; t <= BG_AUTH_TARGET_PROXY; t++) {
        for (s = 0; s < ARRAYSIZE(schemes); s++) {
            for (i = 0; i < ARRAYSIZE(bad); i++) {
                set_basic(job2, (BG_AUTH_TARGET)t, schemes[s], bad[i], L"" SECRET, E_INVALIDARG);
                set_basic(job2, (BG_AUTH_TARGET)t, schemes[s], L"" USER, bad[i], E_INVALIDARG);
            }
        }
    }
    /* Proxy lists: host names and ports, no control characters. */
    for (i = 0; i < ARRAYSIZE(bad); i++) {
        assert_hr(E_INVALIDARG,
                  IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, bad[i], NULL));
        assert_hr(E_INVALIDARG, IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE,
                                                                    L"127.0.0.1:1", bad[i]));
    }
    assert_hr(S_OK, IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass));
    assert_int_equal(usage, BG_JOB_PROXY_USAGE_PRECONFIG);
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);

    /* Good credentials: the server asks, and gets exactly them. */
    set_basic(job2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"" USER, L"" SECRET, S_OK);
    IBackgroundCopyJob2_Release(job2);
    run_and_complete(job, local);
    IBackgroundCopyJob_Release(job);
    {
        char line[300];
        snprintf(line, sizeof(line), "\r\nAuthorization: %s\r\n", srv.expected_auth);
        assert_true(wire_count(line) >= 1);
    }
    assert_int_equal(wire_count(SECRET), 0); /* never in clear */
    assert_wire_clean();
}

/* --- Delivery Optimization: Uri and HttpCustomHeaders ---------------------------- */

/* SetProperty with a BSTR of exactly `len` characters (NULs kept). */
static HRESULT do_set_raw(IDODownload *d, DODownloadProperty id, const WCHAR *s, UINT len)
{
    VARIANT v;
    HRESULT hr;

    VariantInit(&v);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocStringLen(s, len);
    assert_non_null(V_BSTR(&v));
    hr = IDODownload_SetProperty(d, id, &v);
    VariantClear(&v);
    return hr;
}

static void test_do_headers_and_uri(void **state)
{
    static const WCHAR nul_headers[] = L"X-Good: yes\0\r\nX-Injected: 1\r\n";
    WCHAR local[MAX_PATH], remote[512], nul_uri[512];
    IDOManager *dom = NULL;
    IDODownload *d = NULL;
    DO_DOWNLOAD_STATUS status;
    VARIANT v;
    size_t i, n;

    (void)state;
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&dom));
    assert_hr(S_OK, IDOManager_CreateDownload(dom, &d));
    tu_path(local, MAX_PATH, L"do-headers.out");
    DeleteFileW(local);

    for (i = 0; i < ARRAYSIZE(bad_paths); i++)
        assert_hr(E_INVALIDARG, tu_do_set_bstr(d, DODownloadProperty_Uri, url(remote, bad_paths[i])));
    /* A NUL inside the BSTR: what follows it must not be dropped silently. */
    url(nul_uri, L"/do/file");
    n = wcslen(nul_uri);
    wcscpy(nul_uri + n + 1, L"\r\nX-Injected: 1");
    assert_hr(E_INVALIDARG, do_set_raw(d, DODownloadProperty_Uri, nul_uri, (UINT)(n + 1 + 15)));
    assert_hr(E_INVALIDARG, do_set_raw(d, DODownloadProperty_LocalPath, local, (UINT)wcslen(local) + 1));

    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_HttpCustomHeaders, L"X-Good: yes\r\n"));
    for (i = 0; i < ARRAYSIZE(bad_headers); i++) {
        HRESULT hr = tu_do_set_bstr(d, DODownloadProperty_HttpCustomHeaders, bad_headers[i]);
        if (hr != E_INVALIDARG)
            print_error("DO headers %u: 0x%08lx\n", (unsigned)i, (unsigned long)hr);
        assert_hr(E_INVALIDARG, hr);
    }
    assert_hr(E_INVALIDARG, do_set_raw(d, DODownloadProperty_HttpCustomHeaders, nul_headers,
                                       ARRAYSIZE(nul_headers) - 1));
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_HttpCustomHeaders, &v));
    assert_wstr_equal(V_BSTR(&v), L"X-Good: yes\r\n");
    VariantClear(&v);

    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url(remote, L"/do/file")));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_Uri, &v));
    assert_wstr_equal(V_BSTR(&v), remote);
    VariantClear(&v);
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_hr(S_OK, IDODownload_GetStatus(d, &status));
    assert_int_equal(status.State, DODownloadState_Transferred);
    assert_hr(S_OK, IDODownload_Finalize(d));
    assert_true(is_body(local));
    IDODownload_Release(d);
    IDOManager_Release(dom);
    assert_true(wire_count("GET /do/file ") >= 1);
    assert_int_equal(wire_count("\r\nX-Good: yes\r\n"), wire_count("GET /do/file "));
    assert_wire_clean();
}

/* --- BITS 1.0: FILESETINFO ------------------------------------------------------ */

static void test_qmgr_names(void **state)
{
    WCHAR local[MAX_PATH], remote[512], nul_remote[512];
    IBackgroundCopyQMgr *qmgr = NULL;
    IBackgroundCopyGroup *group = NULL;
    IBackgroundCopyJob1 *job1 = NULL;
    FILESETINFO info, *infos[1] = {&info};
    DWORD status = 0, index;
    ULONGLONG end;
    GUID gid, jid;
    size_t i, n;

    (void)state;
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateQMgr, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IBackgroundCopyQMgr, (void **)&qmgr));
    CoCreateGuid(&gid);
    CoCreateGuid(&jid);
    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(qmgr, gid, &group));
    assert_hr(S_OK, IBackgroundCopyGroup_CreateJob(group, jid, &job1));
    tu_path(local, MAX_PATH, L"qmgr-names.out");
    DeleteFileW(local);

    info.bstrLocalFile = SysAllocString(local);
    info.dwSizeHint = 0;
    for (i = 0; i < ARRAYSIZE(bad_paths); i++) {
        info.bstrRemoteFile = SysAllocString(url(remote, bad_paths[i]));
        assert_hr(E_INVALIDARG, IBackgroundCopyJob1_AddFiles(job1, 1, infos));
        SysFreeString(info.bstrRemoteFile);
    }
    url(nul_remote, L"/qmgr/file");
    n = wcslen(nul_remote);
    wcscpy(nul_remote + n + 1, L"\r\nX-Injected: 1");
    info.bstrRemoteFile = SysAllocStringLen(nul_remote, (UINT)(n + 1 + 15));
    assert_hr(E_INVALIDARG, IBackgroundCopyJob1_AddFiles(job1, 1, infos));
    SysFreeString(info.bstrRemoteFile);
    info.bstrRemoteFile = SysAllocString(url(remote, L"/qmgr/file"));
    SysFreeString(info.bstrLocalFile);
    info.bstrLocalFile = SysAllocStringLen(local, (UINT)wcslen(local) + 1);
    assert_hr(E_INVALIDARG, IBackgroundCopyJob1_AddFiles(job1, 1, infos));
    SysFreeString(info.bstrLocalFile);
    info.bstrLocalFile = SysAllocString(local);

    assert_hr(S_OK, IBackgroundCopyJob1_AddFiles(job1, 1, infos));
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(group));
    end = tu_ms() + TU_WAIT_MS;
    do {
        assert_hr(S_OK, IBackgroundCopyGroup_GetStatus(group, &status, &index));
        if (status & (QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_ERROR))
            break;
        Sleep(1);
    } while (tu_ms() < end);
    assert_int_equal(status & (QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_ERROR), QM_STATUS_GROUP_COMPLETE);
    assert_true(is_body(local));
    IBackgroundCopyJob1_Release(job1);
    IBackgroundCopyGroup_CancelGroup(group);
    IBackgroundCopyGroup_Release(group);
    IBackgroundCopyQMgr_Release(qmgr);
    assert_true(wire_count("GET /qmgr/file ") >= 1);
    assert_wire_clean();
}

/* --- credentials kept out of files, --json output and error texts ---------------- */

static BOOL mem_has(const char *hay, size_t n, const void *needle, size_t m)
{
    size_t i;

    for (i = 0; m && i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return TRUE;
    return FALSE;
}

/* The secret as UTF-8, as UTF-16LE, and the Basic header's base64. */
static BOOL has_secret(const char *data, size_t n)
{
    WCHAR wide[] = L"" SECRET;
    char b64[128];

    base64(USER ":" SECRET, b64);
    return mem_has(data, n, SECRET, strlen(SECRET)) || mem_has(data, n, wide, wcslen(wide) * sizeof(WCHAR)) ||
           mem_has(data, n, b64, strlen(b64));
}

static BOOL file_has_secret(const WCHAR *path)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER size;
    char *data;
    DWORD got = 0;
    BOOL found;

    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    assert_true(GetFileSizeEx(h, &size) && size.QuadPart < 64 * TU_MB);
    data = malloc((size_t)size.QuadPart + 1);
    assert_non_null(data);
    found = ReadFile(h, data, (DWORD)size.QuadPart, &got, NULL) && has_secret(data, got);
    free(data);
    CloseHandle(h);
    if (found)
        print_error("the secret is in %ls\n", path);
    return found;
}

/* Every file under dir (recursively); returns how many were read. */
static int scan_dir(const WCHAR *dir, BOOL *found)
{
    WIN32_FIND_DATAW fd;
    WCHAR pattern[MAX_PATH], path[MAX_PATH];
    HANDLE h;
    int files = 0;

    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    if ((h = FindFirstFileW(pattern, &fd)) == INVALID_HANDLE_VALUE)
        return 0;
    do {
        if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
            continue;
        swprintf(path, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            files += scan_dir(path, found);
        } else {
            files++;
            if (file_has_secret(path))
                *found = TRUE;
        }
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return files;
}

/* The store folder's parent: the store, its set-aside records, host.log. */
static int scan_store(BOOL *found)
{
    WCHAR base[MAX_PATH], dir[MAX_PATH];

    assert_hr(S_OK, SHGetFolderPathW(NULL, CSIDL_LOCAL_APPDATA, NULL, SHGFP_TYPE_CURRENT, base));
    swprintf(dir, MAX_PATH, L"%ls\\bitsdo", base);
    return scan_dir(dir, found);
}

/* Runs `bitsdo.exe args` (beside this program) with stdout into a file;
 * returns what it printed (free it). */
static char *run_cli(const WCHAR *args)
{
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    WCHAR exe[MAX_PATH], cmd[1024], out_path[MAX_PATH], *slash;
    LARGE_INTEGER size;
    HANDLE out;
    DWORD got = 0;
    char *text;

    GetModuleFileNameW(NULL, exe, MAX_PATH);
    slash = wcsrchr(exe, L'\\');
    assert_non_null(slash);
    wcscpy(slash + 1, L"bitsdo.exe");
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    tu_path(out_path, MAX_PATH, L"cli-out.txt");
    out = CreateFileW(out_path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                      CREATE_ALWAYS, 0, NULL);
    assert_true(out != INVALID_HANDLE_VALUE);
    swprintf(cmd, ARRAYSIZE(cmd), L"\"%ls\" %ls", exe, args);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = out;
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    assert_true(CreateProcessW(exe, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
    assert_int_equal(WaitForSingleObject(pi.hProcess, HU_CHILD_WAIT_MS), WAIT_OBJECT_0);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    assert_true(GetFileSizeEx(out, &size));
    text = malloc((size_t)size.QuadPart + 1);
    assert_non_null(text);
    SetFilePointer(out, 0, NULL, FILE_BEGIN);
    assert_true(ReadFile(out, text, (DWORD)size.QuadPart, &got, NULL));
    text[got] = 0;
    CloseHandle(out);
    DeleteFileW(out_path);
    return text;
}

static void assert_cli_clean(const GUID *id)
{
    WCHAR guid[40], args[128];
    char *text;

    StringFromGUID2(id, guid, ARRAYSIZE(guid));
    swprintf(args, ARRAYSIZE(args), L"--json info %ls", guid);
    text = run_cli(args);
    assert_non_null(strstr(text, "\"id\""));
    assert_false(has_secret(text, strlen(text)));
    free(text);
    text = run_cli(L"--json list");
    assert_non_null(strstr(text, "\"id\""));
    assert_false(has_secret(text, strlen(text)));
    free(text);
}

/* The scan finds the secret in each of its three forms. */
static void secret_scan_works(void)
{
    static const WCHAR wide[] = L"xx" SECRET L"yy";
    char b64[128];
    WCHAR dir[MAX_PATH], path[MAX_PATH];
    HANDLE h;
    DWORD put;
    BOOL found;
    int form;

    base64(USER ":" SECRET, b64);
    tu_path(dir, MAX_PATH, L"secret-control");
    assert_true(tu_mkdirs(dir));
    for (form = 0; form < 3; form++) {
        tu_empty_dir(dir);
        found = FALSE;
        assert_int_equal(scan_dir(dir, &found), 0);
        assert_true(tu_mkdirs(tu_path(path, MAX_PATH, L"secret-control\\sub")));
        tu_path(path, MAX_PATH, L"secret-control\\sub\\x.bin");
        h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        assert_true(h != INVALID_HANDLE_VALUE);
        if (form == 0)
            assert_true(WriteFile(h, wide, sizeof(wide), &put, NULL));
        else if (form == 1)
            assert_true(WriteFile(h, "a" SECRET "b", (DWORD)strlen(SECRET) + 2, &put, NULL));
        else
            assert_true(WriteFile(h, b64, (DWORD)strlen(b64), &put, NULL));
        CloseHandle(h);
        assert_int_equal(scan_dir(dir, &found), 1);
        assert_true(found);
    }
    tu_empty_dir(dir);
}

static IBackgroundCopyManager *host_manager(void)
{
    IBackgroundCopyManager *m = NULL;

    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoManager, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IBackgroundCopyManager, (void **)&m));
    return m;
}

static void test_credentials_never_written(void **state)
{
    WCHAR local[MAX_PATH], denied[MAX_PATH], remote[512];
    IBackgroundCopyManager *host = host_manager();
    IBackgroundCopyJob *job, *job_denied;
    IBackgroundCopyJob2 *job2;
    IBackgroundCopyError *error;
    WCHAR *text = NULL;
    BG_ERROR_CONTEXT context;
    HRESULT code;
    GUID id, id_denied;
    BOOL found = FALSE;
    int files;

    (void)state;
    secret_scan_works();
    expect_auth();
    tu_path(local, MAX_PATH, L"host-cred.out");
    tu_path(denied, MAX_PATH, L"host-denied.out");
    DeleteFileW(local);
    DeleteFileW(denied);

    /* A job with credentials for the server and the proxy, transferred in the host. */
    job = tu_create_job(host, L"inject-cred", &id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url(remote, L"/auth/host-cred"), local));
    job2 = tu_qi(job, &IID_IBackgroundCopyJob2);
    set_basic(job2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"" USER, L"" SECRET, S_OK);
    set_basic(job2, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_BASIC, L"" USER, L"" SECRET, S_OK);
    IBackgroundCopyJob2_Release(job2);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);

    /* One the server always refuses: its error, and the texts that describe it. */
    job_denied = tu_create_job(host, L"inject-denied", &id_denied);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job_denied, url(remote, L"/deny/host-denied"), denied));
    job2 = tu_qi(job_denied, &IID_IBackgroundCopyJob2);
    set_basic(job2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"" USER, L"" SECRET, S_OK);
    IBackgroundCopyJob2_Release(job2);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job_denied));
    assert_int_equal(tu_wait_settled(job_denied, TU_WAIT_MS), BG_JOB_STATE_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_GetError(job_denied, &error));
    assert_hr(S_OK, IBackgroundCopyError_GetError(error, &context, &code));
    assert_hr(BG_E_HTTP_ERROR_401, code);
    assert_hr(S_OK, IBackgroundCopyError_GetErrorDescription(error, LANGIDFROMLCID(GetThreadLocale()), &text));
    assert_false(has_secret((const char *)text, wcslen(text) * sizeof(WCHAR)));
    CoTaskMemFree(text);
    assert_hr(S_OK,
              IBackgroundCopyError_GetErrorContextDescription(error, LANGIDFROMLCID(GetThreadLocale()), &text));
    assert_false(has_secret((const char *)text, wcslen(text) * sizeof(WCHAR)));
    CoTaskMemFree(text);
    IBackgroundCopyError_Release(error);
    assert_cli_clean(&id_denied);
    IBackgroundCopyJob_Release(job_denied);

    /* Persisted: the host stops (writing every job) and comes back. */
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(host);
    assert_int_equal(0, hu_stop_host());
    files = scan_store(&found);
    assert_true(files >= 2); /* the two records at least */
    assert_false(found);

    host = host_manager();
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(host, &id, &job));
    assert_int_equal(tu_state(job), BG_JOB_STATE_TRANSFERRED);
    assert_cli_clean(&id);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(is_body(local));
    IBackgroundCopyJob_Release(job);
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(host, &id_denied, &job_denied));
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job_denied));
    IBackgroundCopyJob_Release(job_denied);
    IBackgroundCopyManager_Release(host);
    assert_int_equal(0, hu_stop_host());
    scan_store(&found);
    assert_false(found);
    assert_int_equal(wire_count(SECRET), 0);
}

/* --- a refused value that reaches the transfer anyway ------------------------------- */

/* Takes the record's contents (store callback). */
static HRESULT take_rec(void *ctx, const GUID *id, uint32_t kind, bitsdo_job_rec *rec,
                        const bitsdo_store_section *sections, uint32_t n)
{
    (void)id;
    (void)sections;
    (void)n;
    assert_int_equal(kind, BITSDO_STORE_KIND_BITS_JOB);
    memcpy(ctx, rec, sizeof(*rec));
    bitsdo_job_rec_init(rec);
    return S_OK;
}

/* The setters refuse a header list with a bare LF; one written into the
 * store behind the host's back gets to the transfer, which refuses it too,
 * sends nothing, and says why: E_INVALIDARG, not E_OUTOFMEMORY. */
static void test_stored_bad_headers(void **state)
{
    WCHAR local[MAX_PATH], remote[512];
    IBackgroundCopyManager *host = host_manager();
    IBackgroundCopyJob *job;
    IBackgroundCopyJobHttpOptions *options;
    IBackgroundCopyError *error;
    bitsdo_store *store = NULL;
    bitsdo_job_rec rec;
    BG_ERROR_CONTEXT context;
    HRESULT code;
    GUID id;

    (void)state;
    tu_path(local, MAX_PATH, L"stored-headers.out");
    DeleteFileW(local);
    job = tu_create_job(host, L"inject-stored", &id);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url(remote, L"/stored/file"), local));
    /* No retries: were the error ever transient again, the job would end in
     * ERROR all the same (and not keep a host busy after a failed run). */
    assert_hr(S_OK, IBackgroundCopyJob_SetNoProgressTimeout(job, 0));
    options = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);
    assert_hr(S_OK, IBackgroundCopyJobHttpOptions_SetCustomHeaders(options, L"X-Good: yes\r\n"));
    IBackgroundCopyJobHttpOptions_Release(options);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(host);
    assert_int_equal(0, hu_stop_host());

    assert_hr(S_OK, bitsdo_store_open(NULL, &store));
    bitsdo_job_rec_init(&rec);
    assert_hr(S_OK, bitsdo_store_get(store, &id, take_rec, &rec));
    assert_non_null(rec.http_headers);
    free(rec.http_headers);
    rec.http_headers = bitsdo_wcsdup((const bitsdo_wchar *)L"X-Good: yes\nX-Injected: 1\r\n");
    assert_non_null(rec.http_headers);
    assert_hr(S_OK, bitsdo_store_put_job(store, BITSDO_STORE_KIND_BITS_JOB, &rec, NULL, 0, NULL, 0));
    bitsdo_job_rec_free(&rec);
    bitsdo_store_close(store);

    host = host_manager();
    assert_hr(S_OK, IBackgroundCopyManager_GetJob(host, &id, &job));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_GetError(job, &error));
    assert_hr(S_OK, IBackgroundCopyError_GetError(error, &context, &code));
    assert_hr(E_INVALIDARG, code);
    IBackgroundCopyError_Release(error);
    assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(host);
    assert_int_equal(wire_count("/stored/file"), 0);
    assert_int_equal(0, hu_stop_host());
}

/* --- the temp file deleted under a job -------------------------------------------- */

static WCHAR *temp_name(IBackgroundCopyJob *job, ULONG index, WCHAR *out)
{
    IBackgroundCopyFile *file = tu_job_file(job, index);
    IBackgroundCopyFile3 *file3 = tu_qi(file, &IID_IBackgroundCopyFile3);
    WCHAR *name = NULL;

    assert_hr(S_OK, IBackgroundCopyFile3_GetTemporaryName(file3, &name));
    wcscpy(out, name);
    CoTaskMemFree(name);
    IBackgroundCopyFile3_Release(file3);
    IBackgroundCopyFile_Release(file);
    return out;
}

/* Deletes a temp file. One the job holds open goes when its handle closes
 * (Windows' delete pending; Wine does the same here). */
static void delete_file(const WCHAR *path)
{
    SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
    assert_true(DeleteFileW(path));
}

static void expect_lost(IBackgroundCopyJob *job, ULONG index)
{
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyFile *file = NULL;
    BG_ERROR_CONTEXT context;
    HRESULT code;
    WCHAR *a = NULL, *b = NULL;

    assert_int_equal(tu_state(job), BG_JOB_STATE_ERROR);
    assert_hr(S_OK, IBackgroundCopyJob_GetError(job, &error));
    assert_hr(S_OK, IBackgroundCopyError_GetError(error, &context, &code));
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), code);
    assert_int_equal(context, BG_ERROR_CONTEXT_LOCAL_FILE);
    assert_hr(S_OK, IBackgroundCopyError_GetFile(error, &file));
    assert_hr(S_OK, IBackgroundCopyFile_GetLocalName(file, &a));
    IBackgroundCopyFile_Release(file);
    file = tu_job_file(job, index);
    assert_hr(S_OK, IBackgroundCopyFile_GetLocalName(file, &b));
    assert_wstr_equal(a, b);
    /* The file counts from 0 again. */
    assert_true(tu_file_progress(file).BytesTransferred == 0);
    assert_false(tu_file_progress(file).Completed);
    CoTaskMemFree(a);
    CoTaskMemFree(b);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyError_Release(error);
}

/* Deleted while its bytes still arrive: under Wine the handle writes on into
 * the unlinked file, which no Complete could ever move. */
static void test_temp_deleted_while_running(void **state)
{
    WCHAR dir[MAX_PATH], local[MAX_PATH], temp[MAX_PATH];
    IBackgroundCopyJob *job;

    (void)state;
    tu_path(dir, MAX_PATH, L"temp-running");
    assert_true(tu_mkdirs(dir));
    tu_empty_dir(dir);
    tu_path(local, MAX_PATH, L"temp-running\\file.out");
    job = job_for(L"/hold/temp-running", local);
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_true(tu_wait_bytes(job, HOLD_BYTES, TU_WAIT_MS));
    delete_file(temp_name(job, 0, temp));
    SetEvent(srv.release);
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_ERROR);
    expect_lost(job, 0);
    assert_false(tu_exists(local));
    assert_int_equal(tu_count_temp_files(dir), 0);

    /* Resume: the file again, from byte 0, in a new temp file. */
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(is_body(local));
    assert_int_equal(tu_count_temp_files(dir), 0);
    IBackgroundCopyJob_Release(job);
    assert_int_equal(wire_count("GET /hold/temp-running "), 2);
    assert_int_equal(wire_count("\r\nRange:"), 0); /* the second one from 0 */
}

/* The same in a Delivery Optimization download: Paused with the file's
 * error, and Start transfers it again from byte 0. */
static DO_DOWNLOAD_STATUS do_status(IDODownload *d)
{
    DO_DOWNLOAD_STATUS s;

    assert_hr(S_OK, IDODownload_GetStatus(d, &s));
    return s;
}

static BOOL do_has_held_bytes(void *ctx)
{
    return do_status(ctx).BytesTransferred >= HOLD_BYTES;
}

static BOOL do_settled(void *ctx)
{
    return do_status(ctx).State != DODownloadState_Transferring;
}

static void test_do_temp_deleted_while_running(void **state)
{
    WCHAR dir[MAX_PATH], local[MAX_PATH], remote[512], pattern[MAX_PATH], temp[MAX_PATH];
    WIN32_FIND_DATAW fd;
    DO_DOWNLOAD_STATUS s;
    IDOManager *dom = NULL;
    IDODownload *d = NULL;
    HANDLE find;

    (void)state;
    tu_path(dir, MAX_PATH, L"do-temp-running");
    assert_true(tu_mkdirs(dir));
    tu_empty_dir(dir);
    tu_path(local, MAX_PATH, L"do-temp-running\\file.out");
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&dom));
    assert_hr(S_OK, IDOManager_CreateDownload(dom, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url(remote, L"/hold/do-temp-running")));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_true(tu_wait_until(do_has_held_bytes, d, TU_WAIT_MS));
    swprintf(pattern, MAX_PATH, L"%ls\\BIT*.tmp", dir);
    find = FindFirstFileW(pattern, &fd);
    assert_true(find != INVALID_HANDLE_VALUE);
    FindClose(find);
    swprintf(temp, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
    delete_file(temp);
    SetEvent(srv.release);
    assert_true(tu_wait_until(do_settled, d, TU_WAIT_MS));
    s = do_status(d);
    assert_int_equal(s.State, DODownloadState_Paused);
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), s.Error);
    assert_true(s.BytesTransferred == 0);
    assert_false(tu_exists(local));
    assert_int_equal(tu_count_temp_files(dir), 0);

    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_int_equal(do_status(d).State, DODownloadState_Transferred);
    assert_hr(S_OK, IDODownload_Finalize(d));
    assert_true(is_body(local));
    assert_int_equal(tu_count_temp_files(dir), 0);
    IDODownload_Release(d);
    IDOManager_Release(dom);
    assert_int_equal(wire_count("GET /hold/do-temp-running "), 2);
}

/* DO: the temp file deleted after the transfer, before Finalize. */
static void test_do_temp_deleted_before_finalize(void **state)
{
    WCHAR dir[MAX_PATH], local[MAX_PATH], remote[512], pattern[MAX_PATH], temp[MAX_PATH];
    WIN32_FIND_DATAW fd;
    DO_DOWNLOAD_STATUS s;
    IDOManager *dom = NULL;
    IDODownload *d = NULL;
    HANDLE find;

    (void)state;
    tu_path(dir, MAX_PATH, L"do-temp-finalize");
    assert_true(tu_mkdirs(dir));
    tu_empty_dir(dir);
    tu_path(local, MAX_PATH, L"do-temp-finalize\\file.out");
    assert_hr(S_OK, CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                                     &IID_IDOManager, (void **)&dom));
    assert_hr(S_OK, IDOManager_CreateDownload(dom, &d));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_Uri, url(remote, L"/do-temp-finalize/file")));
    assert_hr(S_OK, tu_do_set_bstr(d, DODownloadProperty_LocalPath, local));
    assert_hr(S_OK, tu_do_set_bool(d, DODownloadProperty_BlockingMode, TRUE));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_int_equal(do_status(d).State, DODownloadState_Transferred);
    swprintf(pattern, MAX_PATH, L"%ls\\BIT*.tmp", dir);
    find = FindFirstFileW(pattern, &fd);
    assert_true(find != INVALID_HANDLE_VALUE);
    FindClose(find);
    swprintf(temp, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
    delete_file(temp);
    assert_false(tu_exists(temp));

    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), IDODownload_Finalize(d));
    s = do_status(d);
    assert_int_equal(s.State, DODownloadState_Paused);
    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), s.Error);
    assert_true(s.BytesTransferred == 0);
    assert_false(tu_exists(local));

    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_int_equal(do_status(d).State, DODownloadState_Transferred);
    assert_hr(S_OK, IDODownload_Finalize(d));
    assert_true(is_body(local));
    assert_int_equal(tu_count_temp_files(dir), 0);
    IDODownload_Release(d);
    IDOManager_Release(dom);
    assert_int_equal(wire_count("GET /do-temp-finalize/file "), 2);
}

/* Deleted after the transfer, before Complete: Complete cannot move it; the
 * job goes to ERROR, the file before it stays in place, and Resume
 * transfers only the lost one again. */
static void test_temp_deleted_before_complete(void **state)
{
    WCHAR dir[MAX_PATH], local1[MAX_PATH], local2[MAX_PATH], remote[512], temp[MAX_PATH];
    IBackgroundCopyJob *job;

    (void)state;
    tu_path(dir, MAX_PATH, L"temp-complete");
    assert_true(tu_mkdirs(dir));
    tu_empty_dir(dir);
    tu_path(local1, MAX_PATH, L"temp-complete\\one.out");
    tu_path(local2, MAX_PATH, L"temp-complete\\two.out");
    job = job_for(L"/temp-complete/one", local1);
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url(remote, L"/temp-complete/two"), local2));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    delete_file(temp_name(job, 1, temp));
    assert_false(tu_exists(temp));

    assert_hr(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), IBackgroundCopyJob_Complete(job));
    expect_lost(job, 1);
    assert_true(is_body(local1));
    assert_false(tu_exists(local2));
    assert_int_equal(tu_progress(job).FilesTransferred, 1);

    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    assert_true(is_body(local1));
    assert_true(is_body(local2));
    assert_int_equal(tu_count_temp_files(dir), 0);
    IBackgroundCopyJob_Release(job);
    assert_int_equal(wire_count("GET /temp-complete/one "), 1);
    assert_int_equal(wire_count("GET /temp-complete/two "), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bits_headers, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_bits_urls, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_credentials_and_proxy, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_do_headers_and_uri, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_qmgr_names, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_credentials_never_written, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_stored_bad_headers, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_temp_deleted_while_running, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_do_temp_deleted_while_running, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_temp_deleted_before_complete, test_setup, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_do_temp_deleted_before_finalize, test_setup, tu_cancel_all_jobs),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
