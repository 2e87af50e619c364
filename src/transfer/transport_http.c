/* The HTTP/HTTPS transport: the protocol side (see http_private.h for the
 * two wires underneath).
 *
 * Choosing the wires (measured under Wine 8 on the project's two-core
 * machine, shared with other builds: a 200 MB file from nginx on loopback,
 * written to disk, medians of 7 runs):
 *     throwaway client, WinHTTP sync, 1 MB reads, 1 stream     ~ 90 MB/s
 *     same, 4 parallel Range streams                           ~ 230 MB/s
 *     throwaway client, Winsock, non-blocking, 1 stream        ~ 1000 MB/s
 *     this DLL through the bitsdo CLI, http:// (Winsock wire)  ~ 400 MiB/s
 *     this DLL, https:// (WinHTTP async, adaptive reads)       ~ 220 MiB/s
 *     curl on the same files: http ~ 520 MiB/s, https ~ 470 MiB/s
 * Over HTTPS, parallel WinHTTP streams did not beat one (TLS on both ends
 * already fills the two cores: 1 stream ~280 MB/s, 2 ~270, 4 ~230), so a
 * file is fetched as one stream on either wire.
 *
 * What one fetch does:
 *   - resumes at the bytes already counted with `Range: bytes=N-` and
 *     `If-Range: <validator>` (the strong ETag, else Last-Modified, first
 *     seen for the file). Without a validator, with dynamic content or an
 *     unknown size the partial data cannot be checked, so the file starts
 *     over from byte 0 instead;
 *   - a 206 must carry `Content-Range: bytes N-(size-1)/size` for exactly
 *     the range asked and the size known; a different total or validator
 *     means the file changed: it restarts from zero. Any other range is a
 *     protocol error (transient, nothing of it written);
 *   - a 200 to a Range request (the server ignores ranges, or If-Range
 *     found the file changed) restarts the file from zero with that very
 *     response: the 200 body is the whole current file, written from
 *     byte 0, so this is always safe for whole-file downloads. Only a file
 *     fetched as explicit ranges could not be served that way:
 *     BG_E_INSUFFICIENT_RANGE_SUPPORT (see run_ranges for ranged files);
 *   - the size comes from the response (Content-Length, or Content-Range);
 *     no HEAD request is made. A chunked body's size is known at its end.
 *     A body delimited only by the connection closing cannot be told from
 *     a dropped connection, so it is accepted only for jobs with dynamic
 *     content; otherwise BG_E_MISSING_FILE_SIZE;
 *   - a body shorter than declared is a transient error (its bytes stay
 *     counted and are resumed); a body longer than declared (bytes after
 *     the declared end) is a transient error that also throws the file's
 *     data away, as nothing of that response can be trusted;
 *   - redirects (301/302/303/307/308) are followed up to 10 times under the
 *     job's BG_HTTP_REDIRECT_POLICY_*; https -> http only with
 *     BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP. A redirect the policy
 *     refuses fails the job with HRESULT_FROM_WIN32(status), as documented
 *     for BG_HTTP_REDIRECT_POLICY_DISALLOW;
 *   - statuses map to BG_E_HTTP_ERROR_nnn (0x80190000 | nnn), context
 *     REMOTE_FILE; 5xx, 408 and 429 are transient, other 4xx fatal.
 *     Network failures are WinHTTP's ERROR_WINHTTP_* codes (whichever wire
 *     ran), context GENERAL_TRANSPORT, transient; certificate failures
 *     are fatal;
 *   - every wait has a timeout (30 s to connect, 60 s without a byte; the
 *     environment variable BITSDO_HTTP_TIMEOUT_MS overrides both, for
 *     tests) and is cut short by Suspend/Cancel through f->abort;
 *   - with Delivery Optimization cache hosts configured (DOCacheHost, see
 *     run_source), the file is asked from them first and from the origin
 *     after them, every request with the same resume rules.
 */
#include "http_private.h"
#include "transport_http.h"
#include "prof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cachehost.h"
#include "errors.h"
#include "httpparse.h"
#include "httpurl.h"
#include "policy.h"
#include "wstr.h"

#define MAX_RESTARTS       3
#define MAX_USER_CHARS     300
#define MAX_PASSWORD_CHARS 65536
#define PROXY_CACHE_MS     30000

/* --- small helpers -------------------------------------------------------- */

HRESULT http_wait(http_xfer *x, HANDLE event, DWORD timeout_ms)
{
    HANDLE handles[2] = {event, x->abort_event};
    DWORD r;

    if (bitsdo__read_long(&x->aborted))
        return E_ABORT;
    r = WaitForMultipleObjects(2, handles, FALSE, timeout_ms);
    if (r == WAIT_OBJECT_0 && !bitsdo__read_long(&x->aborted))
        return S_OK;
    if (r == WAIT_OBJECT_0 + 1 || bitsdo__read_long(&x->aborted))
        return E_ABORT;
    if (r == WAIT_TIMEOUT)
        return HTTP_HR(ERROR_WINHTTP_TIMEOUT);
    return HRESULT_FROM_WIN32(GetLastError());
}

char *http_utf8(const WCHAR *s)
{
    int n;
    char *out;

    if (!s)
        return NULL;
    n = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    if (n <= 0 || !(out = malloc(n)))
        return NULL;
    WideCharToMultiByte(CP_UTF8, 0, s, -1, out, n, NULL, NULL);
    return out;
}

WCHAR *http_wide(const char *s, size_t len)
{
    int n;
    WCHAR *out;

    if (!s)
        return NULL;
    n = len ? MultiByteToWideChar(CP_UTF8, 0, s, (int)len, NULL, 0) : 0;
    if ((len && n <= 0) || !(out = malloc((n + 1) * sizeof(WCHAR))))
        return NULL;
    if (n)
        MultiByteToWideChar(CP_UTF8, 0, s, (int)len, out, n);
    out[n] = 0;
    return out;
}

char *http_base64(const BYTE *data, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;
    size_t i;

    if (!out)
        return NULL;
    for (i = 0; i + 2 < len; i += 3) {
        DWORD v = (DWORD)data[i] << 16 | (DWORD)data[i + 1] << 8 | data[i + 2];
        *p++ = alphabet[v >> 18 & 63];
        *p++ = alphabet[v >> 12 & 63];
        *p++ = alphabet[v >> 6 & 63];
        *p++ = alphabet[v & 63];
    }
    if (i < len) {
        DWORD v = (DWORD)data[i] << 16 | (i + 1 < len ? (DWORD)data[i + 1] << 8 : 0);
        *p++ = alphabet[v >> 18 & 63];
        *p++ = alphabet[v >> 12 & 63];
        *p++ = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
        *p++ = '=';
    }
    *p = 0;
    return out;
}

static WCHAR *wdup(const WCHAR *s)
{
    return s ? (WCHAR *)bitsdo_wcsdup((const bitsdo_wchar *)s) : NULL;
}

static char *str_dup(const char *s)
{
    char *d;

    if (!s)
        return NULL;
    if ((d = malloc(strlen(s) + 1)))
        strcpy(d, s);
    return d;
}

/* --- the response head (rules in src/core/httpparse.c) ------------------- */

HRESULT http_parse_head(char *raw, size_t len, http_response *r)
{
    HRESULT hr = bitsdo_http_head_parse(raw, len, r);

    free(raw);
    return hr;
}

void http_response_free(http_response *r)
{
    bitsdo_http_head_free(r);
}

/* --- URLs (rules in src/core/httpurl.c) --------------------------------- */

static HRESULT url_parse(const WCHAR *s, http_url *u)
{
    return bitsdo_http_url_parse((const bitsdo_wchar *)s, u);
}

/* The absolute URL a Location value points to; NULL if it is not an
 * http(s) URL or memory ran out. */
static WCHAR *url_resolve(const http_url *base, const char *location)
{
    return (WCHAR *)bitsdo_http_url_resolve(base, location);
}

static void url_free(http_url *u)
{
    bitsdo_http_url_free(u);
}

/* --- credentials, in memory only ---------------------------------------- */

typedef struct cred_job {
    struct cred_job *next;
    GUID id;
    http_cred creds[HTTP_CRED_TARGETS][HTTP_CRED_SCHEMES];
} cred_job;

static SRWLOCK cred_lock = SRWLOCK_INIT;
static cred_job *cred_jobs;

static void wipe_free(WCHAR *s)
{
    if (!s)
        return;
    SecureZeroMemory(s, wcslen(s) * sizeof(WCHAR));
    free(s);
}

static void cred_clear(http_cred *c)
{
    wipe_free(c->user);
    wipe_free(c->pass);
    memset(c, 0, sizeof(*c));
}

static void cred_job_free(cred_job *cj)
{
    int t, s;

    for (t = 0; t < HTTP_CRED_TARGETS; t++)
        for (s = 0; s < HTTP_CRED_SCHEMES; s++)
            cred_clear(&cj->creds[t][s]);
    free(cj);
}

void bitsdo_http_forget_credentials(const GUID *id)
{
    cred_job **pp, *cj;

    AcquireSRWLockExclusive(&cred_lock);
    for (pp = &cred_jobs; (cj = *pp); pp = &cj->next) {
        if (IsEqualGUID(&cj->id, id)) {
            *pp = cj->next;
            break;
        }
    }
    ReleaseSRWLockExclusive(&cred_lock);
    if (cj)
        cred_job_free(cj);
}

static HRESULT check_target_scheme(int target, int scheme)
{
    if (target != BG_AUTH_TARGET_SERVER && target != BG_AUTH_TARGET_PROXY)
        return BITSDO_BG_E_INVALID_AUTH_TARGET;
    if (scheme < BG_AUTH_SCHEME_BASIC || scheme > BG_AUTH_SCHEME_PASSPORT)
        return BITSDO_BG_E_INVALID_AUTH_SCHEME;
    return S_OK;
}

HRESULT bitsdo_http_set_credentials(bitsdo_job *job, const BG_AUTH_CREDENTIALS *cred)
{
    const WCHAR *user, *pass;
    WCHAR *new_user = NULL, *new_pass = NULL;
    cred_job *cj;
    GUID id;
    HRESULT hr;

    if (!cred)
        return E_INVALIDARG;
    if (FAILED(hr = check_target_scheme(cred->Target, cred->Scheme)))
        return hr;
    user = cred->Credentials.Basic.UserName;
    pass = cred->Credentials.Basic.Password;
    if ((cred->Scheme == BG_AUTH_SCHEME_BASIC || cred->Scheme == BG_AUTH_SCHEME_DIGEST) && (!user || !pass))
        return E_INVALIDARG;
    /* A line break could end the header line the credentials go into
     * (Digest quotes the user name; other clients may not encode it). */
    if (bitsdo_wcs_has_line_break((const bitsdo_wchar *)user) ||
        bitsdo_wcs_has_line_break((const bitsdo_wchar *)pass))
        return E_INVALIDARG;
    if (user && wcslen(user) > MAX_USER_CHARS)
        return BITSDO_BG_E_USERNAME_TOO_LARGE;
    if (pass && wcslen(pass) > MAX_PASSWORD_CHARS)
        return BITSDO_BG_E_PASSWORD_TOO_LARGE;
    if ((user && !(new_user = wdup(user))) || (pass && !(new_pass = wdup(pass)))) {
        wipe_free(new_user);
        return E_OUTOFMEMORY;
    }

    if (FAILED(hr = bitsdo_job_modify_begin(job))) {
        wipe_free(new_user);
        wipe_free(new_pass);
        return hr;
    }
    memcpy(&id, job->rec.id, sizeof(id));
    AcquireSRWLockExclusive(&cred_lock);
    for (cj = cred_jobs; cj && !IsEqualGUID(&cj->id, &id); cj = cj->next)
        ;
    if (!cj && (cj = calloc(1, sizeof(*cj)))) {
        cj->id = id;
        cj->next = cred_jobs;
        cred_jobs = cj;
    }
    if (cj) {
        http_cred *c = &cj->creds[cred->Target - 1][cred->Scheme - 1];
        cred_clear(c);
        c->set = TRUE;
        c->user = new_user;
        c->pass = new_pass;
        hr = S_OK;
    } else {
        wipe_free(new_user);
        wipe_free(new_pass);
        hr = E_OUTOFMEMORY;
    }
    ReleaseSRWLockExclusive(&cred_lock);
    /* Not a change of the job record: credentials are never stored there. */
    bitsdo_job_modify_end(job, FALSE);
    return hr;
}

HRESULT bitsdo_http_remove_credentials(bitsdo_job *job, BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme)
{
    cred_job *cj;
    GUID id;
    HRESULT hr;

    if (FAILED(hr = check_target_scheme(target, scheme)))
        return hr;
    if (FAILED(hr = bitsdo_job_modify_begin(job)))
        return hr;
    memcpy(&id, job->rec.id, sizeof(id));
    hr = S_FALSE;
    AcquireSRWLockExclusive(&cred_lock);
    for (cj = cred_jobs; cj; cj = cj->next) {
        if (IsEqualGUID(&cj->id, &id)) {
            http_cred *c = &cj->creds[target - 1][scheme - 1];
            if (c->set)
                hr = S_OK;
            cred_clear(c);
            break;
        }
    }
    ReleaseSRWLockExclusive(&cred_lock);
    bitsdo_job_modify_end(job, FALSE);
    return hr;
}

/* Copies the job's credentials into the transfer. */
static HRESULT creds_snapshot(http_xfer *x)
{
    cred_job *cj;
    GUID id;
    int t, s;
    HRESULT hr = S_OK;

    memcpy(&id, x->f->job->rec.id, sizeof(id));
    AcquireSRWLockShared(&cred_lock);
    for (cj = cred_jobs; cj && !IsEqualGUID(&cj->id, &id); cj = cj->next)
        ;
    for (t = 0; cj && t < HTTP_CRED_TARGETS; t++) {
        for (s = 0; s < HTTP_CRED_SCHEMES; s++) {
            const http_cred *from = &cj->creds[t][s];
            http_cred *to = &x->creds[t][s];
            if (!from->set)
                continue;
            to->set = TRUE;
            if ((from->user && !(to->user = wdup(from->user))) ||
                (from->pass && !(to->pass = wdup(from->pass))))
                hr = E_OUTOFMEMORY;
        }
    }
    ReleaseSRWLockShared(&cred_lock);
    return hr;
}

/* --- job options checks ------------------------------------------------- */

HRESULT bitsdo_http_check_headers(const WCHAR *headers)
{
    return bitsdo_http_headers_check((const bitsdo_wchar *)headers);
}

HRESULT bitsdo_http_check_security_flags(ULONG flags)
{
    const ULONG known = BG_SSL_ENABLE_CRL_CHECK | BG_SSL_IGNORE_CERT_CN_INVALID |
                        BG_SSL_IGNORE_CERT_DATE_INVALID | BG_SSL_IGNORE_UNKNOWN_CA |
                        BG_SSL_IGNORE_CERT_WRONG_USAGE | BG_HTTP_REDIRECT_POLICY_MASK |
                        BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP;
    ULONG policy = flags & BG_HTTP_REDIRECT_POLICY_MASK;

    if (flags & ~known)
        return E_NOTIMPL;
    if (policy != BG_HTTP_REDIRECT_POLICY_ALLOW_SILENT && policy != BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT &&
        policy != BG_HTTP_REDIRECT_POLICY_DISALLOW)
        return E_NOTIMPL;
    return S_OK;
}

/* --- proxies ------------------------------------------------------------ */

static SRWLOCK proxy_lock = SRWLOCK_INIT;
static ULONGLONG proxy_checked; /* tick of the last look at the system settings */
static http_proxy system_proxy;

static void proxy_free(http_proxy *p)
{
    free(p->list);
    free(p->bypass);
    memset(p, 0, sizeof(*p));
}

static HRESULT proxy_copy(http_proxy *to, const http_proxy *from)
{
    to->access = from->access;
    to->list = wdup(from->list);
    to->bypass = wdup(from->bypass);
    if ((from->list && !to->list) || (from->bypass && !to->bypass)) {
        proxy_free(to);
        return E_OUTOFMEMORY;
    }
    return S_OK;
}

/* The system's proxy (BG_JOB_PROXY_USAGE_PRECONFIG): the user's manual
 * proxy setting, else WinHTTP's default configuration, else none. Proxy
 * auto-configuration scripts are not evaluated. Looked at again every
 * 30 s. */
static HRESULT proxy_system(http_proxy *out)
{
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG ie = {0};
    WINHTTP_PROXY_INFO info = {0};
    http_proxy found = {WINHTTP_ACCESS_TYPE_NO_PROXY, NULL, NULL};
    ULONGLONG now = GetTickCount64();
    HRESULT hr;

    AcquireSRWLockExclusive(&proxy_lock);
    if (!proxy_checked || now - proxy_checked > PROXY_CACHE_MS) {
        if (WinHttpGetIEProxyConfigForCurrentUser(&ie) && ie.lpszProxy && *ie.lpszProxy) {
            found.access = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
            found.list = ie.lpszProxy;
            found.bypass = ie.lpszProxyBypass;
        } else if (WinHttpGetDefaultProxyConfiguration(&info) &&
                   info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY && info.lpszProxy &&
                   *info.lpszProxy) {
            found.access = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
            found.list = info.lpszProxy;
            found.bypass = info.lpszProxyBypass;
        }
        proxy_free(&system_proxy);
        if (SUCCEEDED(proxy_copy(&system_proxy, &found)))
            proxy_checked = now;
        GlobalFree(ie.lpszProxy);
        GlobalFree(ie.lpszProxyBypass);
        GlobalFree(ie.lpszAutoConfigUrl);
        GlobalFree(info.lpszProxy);
        GlobalFree(info.lpszProxyBypass);
    }
    hr = proxy_copy(out, &system_proxy);
    ReleaseSRWLockExclusive(&proxy_lock);
    return hr;
}

/* --- one transfer --------------------------------------------------------- */

static DWORD timeout_override(void)
{
    WCHAR buf[16];
    DWORD n = GetEnvironmentVariableW(L"BITSDO_HTTP_TIMEOUT_MS", buf, 16);

    if (!n || n >= 16)
        return 0;
    return (DWORD)wcstoul(buf, NULL, 10);
}

static void xfer_free(http_xfer *x)
{
    int t, s;

    if (!x)
        return;
    if (x->abort_event)
        CloseHandle(x->abort_event);
    proxy_free(&x->proxy);
    free(x->custom_headers);
    free(x->origin_validator);
    for (t = 0; t < HTTP_CRED_TARGETS; t++)
        for (s = 0; s < HTTP_CRED_SCHEMES; s++)
            cred_clear(&x->creds[t][s]);
    free(x->buf);
    free(x);
}

static HRESULT xfer_create(bitsdo_fetch *f, char **validator, http_xfer **out)
{
    bitsdo_job *job = f->job;
    http_xfer *x;
    WCHAR *headers = NULL, *vw = NULL;
    DWORD usage, override;
    HRESULT hr = S_OK;

    *validator = NULL;
    if (!(x = calloc(1, sizeof(*x))))
        return E_OUTOFMEMORY;
    x->f = f;
    x->url = f->remote;
    x->io_timeout_ms = HTTP_IO_TIMEOUT_MS;
    x->connect_timeout_ms = HTTP_CONNECT_TIMEOUT_MS;
    if ((override = timeout_override()))
        x->io_timeout_ms = x->connect_timeout_ms = override;
    if (!(x->abort_event = CreateEventW(NULL, TRUE, FALSE, NULL)) || !(x->buf = malloc(HTTP_BUF_SIZE))) {
        xfer_free(x);
        return E_OUTOFMEMORY;
    }

    AcquireSRWLockShared(&job->lock);
    usage = job->rec.proxy_usage;
    x->proxy.access = WINHTTP_ACCESS_TYPE_NO_PROXY;
    if (usage == BG_JOB_PROXY_USAGE_OVERRIDE && job->rec.proxy_list) {
        x->proxy.access = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
        x->proxy_is_job_override = TRUE;
        if (!(x->proxy.list = wdup((const WCHAR *)job->rec.proxy_list)) ||
            (job->rec.proxy_bypass && *job->rec.proxy_bypass &&
             !(x->proxy.bypass = wdup((const WCHAR *)job->rec.proxy_bypass))))
            hr = E_OUTOFMEMORY;
    }
    if (job->rec.http_headers && !(headers = wdup((const WCHAR *)job->rec.http_headers)))
        hr = E_OUTOFMEMORY;
    if (f->file->validator && !(vw = wdup((const WCHAR *)f->file->validator)))
        hr = E_OUTOFMEMORY;
    x->security_flags = job->rec.security_flags;
    x->dynamic = job->rec.dynamic_content != 0;
    ReleaseSRWLockShared(&job->lock);

    if (SUCCEEDED(hr) && (usage == BG_JOB_PROXY_USAGE_PRECONFIG || usage == BG_JOB_PROXY_USAGE_AUTODETECT))
        hr = proxy_system(&x->proxy);
    /* The setters refuse what could break a request apart; a record read
     * back from the store is checked again here (bitsdo_http_headers_lines
     * checks the header list), and a refusal is reported as what it is,
     * not as a lack of memory. */
    if (SUCCEEDED(hr) && (bitsdo_wcs_has_control((const bitsdo_wchar *)x->proxy.list) ||
                          bitsdo_wcs_has_control((const bitsdo_wchar *)x->proxy.bypass)))
        hr = E_INVALIDARG;
    if (SUCCEEDED(hr))
        hr = bitsdo_http_headers_lines((const bitsdo_wchar *)headers, &x->custom_headers);
    if (SUCCEEDED(hr) && vw && !(*validator = http_utf8(vw)))
        hr = E_OUTOFMEMORY;
    if (SUCCEEDED(hr))
        hr = creds_snapshot(x);
    free(headers);
    free(vw);
    if (FAILED(hr)) {
        free(*validator);
        *validator = NULL;
        xfer_free(x);
        return hr;
    }
    *out = x;
    return S_OK;
}

/* Called by the engine, with the job lock held, to stop the transfer. */
static void http_abort(bitsdo_fetch *f)
{
    http_xfer *x = f->abort_ctx;

    if (!x)
        return;
    InterlockedExchange(&x->aborted, 1);
    SetEvent(x->abort_event);
}

static const http_wire *choose_wire(const http_xfer *x, const http_url *url)
{
    int s;

    if (url->secure || x->proxy.access != WINHTTP_ACCESS_TYPE_NO_PROXY)
        return &http_wire_winhttp;
    /* Our client answers Basic itself; the other schemes need WinHTTP. */
    for (s = BG_AUTH_SCHEME_DIGEST; s <= BG_AUTH_SCHEME_PASSPORT; s++)
        if (x->creds[BG_AUTH_TARGET_SERVER - 1][s - 1].set)
            return &http_wire_winhttp;
    return &http_wire_sock;
}

/* Sets the error context and retry decision of a failure. */
static HRESULT fail(http_xfer *x, HRESULT hr)
{
    bitsdo_fetch *f = x->f;
    DWORD code = HRESULT_CODE(hr);

    f->transient = FALSE;
    f->error_context = BG_ERROR_CONTEXT_REMOTE_FILE;
    if (hr == E_ABORT)
        return hr;
    if (((ULONG)hr & 0xFFFF0000u) == 0x80190000u) {
        /* BG_E_HTTP_ERROR_nnn */
        f->transient = code >= 500 || code == 408 || code == 429;
        return hr;
    }
    if (HRESULT_FACILITY(hr) == FACILITY_WIN32 && code >= WINHTTP_ERROR_BASE && code <= WINHTTP_ERROR_LAST) {
        switch (code) {
        case ERROR_WINHTTP_INVALID_SERVER_RESPONSE:
        case ERROR_WINHTTP_HEADER_SIZE_OVERFLOW:
            f->transient = TRUE;
            break;
        case ERROR_WINHTTP_REDIRECT_FAILED:
        case ERROR_WINHTTP_INVALID_URL:
        case ERROR_WINHTTP_UNRECOGNIZED_SCHEME:
            break;
        case ERROR_WINHTTP_SECURE_FAILURE:
        case ERROR_WINHTTP_SECURE_CHANNEL_ERROR:
        case ERROR_WINHTTP_SECURE_INVALID_CA:
        case ERROR_WINHTTP_SECURE_CERT_CN_INVALID:
        case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID:
        case ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE:
        case ERROR_WINHTTP_SECURE_CERT_REVOKED:
        case ERROR_WINHTTP_SECURE_CERT_REV_FAILED:
        case ERROR_WINHTTP_SECURE_INVALID_CERT:
        case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED:
            f->error_context = BG_ERROR_CONTEXT_GENERAL_TRANSPORT;
            break;
        default:
            /* Cannot connect, timeouts, resets, name resolution, ... */
            f->error_context = BG_ERROR_CONTEXT_GENERAL_TRANSPORT;
            f->transient = TRUE;
            break;
        }
        return hr;
    }
    if (HRESULT_FACILITY(hr) == FACILITY_WIN32 && code >= 300 && code < 400)
        return hr; /* a redirect the job's policy refuses */
    if (hr == BITSDO_BG_E_INVALID_SERVER_RESPONSE || hr == BITSDO_BG_E_REMOTE_FILE_CHANGED) {
        f->transient = TRUE;
        return hr;
    }
    if (hr == BITSDO_BG_E_MISSING_FILE_SIZE || hr == BITSDO_BG_E_INSUFFICIENT_RANGE_SUPPORT ||
        hr == BITSDO_BG_E_INVALID_RANGE ||
        hr == E_INVALIDARG || hr == E_NOTIMPL)
        return hr;
    if (hr == E_OUTOFMEMORY) {
        f->error_context = BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER;
        f->transient = TRUE;
        return hr;
    }
    f->error_context = BG_ERROR_CONTEXT_GENERAL_TRANSPORT;
    f->transient = TRUE;
    return hr;
}

/* Replaces the file's remote name (redirect policies REPORT and DISALLOW). */
static void report_url(http_xfer *x, const WCHAR *url)
{
    bitsdo_job *job = x->f->job;
    bitsdo_remote_kind kind;

    /* Only a name AddFile would have accepted. */
    if (FAILED(bitsdo_remote_classify((const bitsdo_wchar *)url, &kind)) ||
        (kind != BITSDO_REMOTE_HTTP && kind != BITSDO_REMOTE_HTTPS))
        return;
    AcquireSRWLockExclusive(&job->lock);
    if (SUCCEEDED(bitsdo_set_wstr(&x->f->file->remote_name, (const bitsdo_wchar *)url)))
        bitsdo__job_touch(job);
    ReleaseSRWLockExclusive(&job->lock);
}

/* Reads the rest of a small body so its connection can serve again. */
static BOOL drain(http_stream *s)
{
    const BYTE *data;
    DWORD got;
    UINT64 total = 0;

    for (;;) {
        if (FAILED(s->wire->read(s, &data, &got)))
            return FALSE;
        if (!got)
            return TRUE;
        if ((total += got) > 65536)
            return FALSE;
    }
}

static void stream_end(http_stream *s, BOOL reuse)
{
    if (s)
        s->wire->close(s, reuse);
}

static BOOL is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Keeps what the final response showed (status, head, redirect target,
 * server address) in job->http_seen for the DO Http* properties, and the
 * head for the file too (BITS's per-file HTTP_RESPONSE_HEADERS). */
static void record_seen(http_xfer *x, const WCHAR *url, int hops, const http_response *resp,
                        const http_stream *s)
{
    bitsdo_job *job = x->f->job;
    uint32_t index = x->f->file_index;
    WCHAR *head, *redirect = NULL, *ip = NULL, *file_head;
    char *text;

    /* The compact head back to "Name: value" lines. */
    if (!(text = bitsdo_http_head_text(resp)))
        return;
    head = http_wide(text, strlen(text));
    free(text);
    if (hops)
        redirect = wdup(url);
    if (s->peer[0])
        ip = http_wide(s->peer, strlen(s->peer));
    file_head = head ? wdup(head) : NULL;
    AcquireSRWLockExclusive(&job->lock);
    /* The file's own copy, in a table grown to the file's index. */
    if (file_head && index >= job->http_seen.file_headers_count) {
        WCHAR **grown = realloc(job->http_seen.file_headers, (index + 1) * sizeof(*grown));

        if (grown) {
            memset(grown + job->http_seen.file_headers_count, 0,
                   (index + 1 - job->http_seen.file_headers_count) * sizeof(*grown));
            job->http_seen.file_headers = grown;
            job->http_seen.file_headers_count = index + 1;
        }
    }
    if (file_head && index < job->http_seen.file_headers_count) {
        free(job->http_seen.file_headers[index]);
        job->http_seen.file_headers[index] = file_head;
        file_head = NULL;
    }
    job->http_seen.status = (DWORD)resp->status;
    free(job->http_seen.headers);
    job->http_seen.headers = head;
    free(job->http_seen.redirect);
    job->http_seen.redirect = redirect;
    free(job->http_seen.server_ip);
    job->http_seen.server_ip = ip;
    ReleaseSRWLockExclusive(&job->lock);
    free(file_head);
}

/* The validator If-Range can use: a strong ETag, else Last-Modified. */
static char *response_validator(const http_response *r)
{
    if (r->etag && r->etag[0] == '"')
        return str_dup(r->etag);
    if (r->last_modified)
        return str_dup(r->last_modified);
    return NULL;
}

/* FALSE when a cache host's file answer shows another size or validator
 * than the origin's (a cache that dropped the validator is judged by the
 * size alone). */
static BOOL cache_agrees(const http_xfer *x, const http_response *r)
{
    UINT64 size = BITSDO_SIZE_UNKNOWN;
    char *rv;
    BOOL same;

    if (!x->origin_known || (r->status != 200 && r->status != 206))
        return TRUE;
    if (r->status == 200 && r->has_length)
        size = r->length;
    else if (r->status == 206 && r->has_range && r->range_total_known)
        size = r->range_total;
    if (size != BITSDO_SIZE_UNKNOWN && x->origin_size != BITSDO_SIZE_UNKNOWN && size != x->origin_size)
        return FALSE;
    rv = response_validator(r);
    same = !rv || !x->origin_validator || !strcmp(rv, x->origin_validator);
    free(rv);
    return same;
}

/* Sends the request, following redirects under the job's policy. On
 * success *out is the open response of the final URL. */
static HRESULT request(http_xfer *x, const WCHAR *start, const char *headers, http_url *url,
                       http_response *resp, http_stream **out)
{
    ULONG policy = x->security_flags & BG_HTTP_REDIRECT_POLICY_MASK;
    WCHAR *current = wdup(start), *next;
    http_stream *s;
    int hops;
    HRESULT hr;

    *out = NULL;
    if (!current)
        return E_OUTOFMEMORY;
    for (hops = 0;; hops++) {
        if (FAILED(hr = url_parse(current, url))) {
            hr = hr == E_OUTOFMEMORY
                     ? hr
                     : HTTP_HR(hops ? ERROR_WINHTTP_REDIRECT_FAILED : ERROR_WINHTTP_INVALID_URL);
            break;
        }
        if (FAILED(hr = choose_wire(x, url)->open(x, url, headers, resp, &s)))
            break;
        if (x->via_cache) {
            bitsdo__fetch_add32(&x->f->file->cache_requests, 1);
            if (is_redirect(resp->status) || !cache_agrees(x, resp)) {
                /* A cache host serves the file itself, and the origin's. */
                hr = is_redirect(resp->status) ? BITSDO_HTTP_ERROR(resp->status)
                                               : BITSDO_BG_E_REMOTE_FILE_CHANGED;
                stream_end(s, FALSE);
                break;
            }
        }
        if (!is_redirect(resp->status) || !resp->location) {
            record_seen(x, current, hops, resp, s);
            if (hops && policy == BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT)
                report_url(x, current);
            *out = s;
            free(current);
            return S_OK;
        }
        next = url_resolve(url, resp->location);
        stream_end(s, drain(s));
        if (!next) {
            hr = HTTP_HR(ERROR_WINHTTP_REDIRECT_FAILED);
        } else if (policy == BG_HTTP_REDIRECT_POLICY_DISALLOW) {
            report_url(x, next);
            hr = HRESULT_FROM_WIN32(resp->status);
        } else if (url->secure && _wcsnicmp(next, L"https://", 8) &&
                   !(x->security_flags & BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP)) {
            hr = HRESULT_FROM_WIN32(resp->status);
        } else if (hops + 1 > HTTP_MAX_REDIRECTS) {
            hr = HTTP_HR(ERROR_WINHTTP_REDIRECT_FAILED);
        } else {
            free(current);
            current = next;
            http_response_free(resp);
            url_free(url);
            continue;
        }
        free(next);
        break;
    }
    http_response_free(resp);
    url_free(url);
    free(current);
    return hr;
}

/* Remembers the validator and time of a full response for resuming. */
static HRESULT store_validator(http_xfer *x, const http_response *r, char **validator)
{
    bitsdo_job *job = x->f->job;
    char *v = response_validator(r);
    WCHAR *w = NULL, *lm;
    bitsdo_filetime mtime = 0;
    SYSTEMTIME st;
    FILETIME ft;

    if (v && !(w = http_wide(v, strlen(v)))) {
        free(v);
        return E_OUTOFMEMORY;
    }
    if (r->last_modified && (lm = http_wide(r->last_modified, strlen(r->last_modified)))) {
        if (WinHttpTimeToSystemTime(lm, &st) && SystemTimeToFileTime(&st, &ft))
            mtime = ((bitsdo_filetime)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
        free(lm);
    }
    AcquireSRWLockExclusive(&job->lock);
    bitsdo_set_wstr(&x->f->file->validator, (const bitsdo_wchar *)w);
    x->f->file->remote_mtime = mtime;
    ReleaseSRWLockExclusive(&job->lock);
    free(w);
    free(*validator);
    *validator = v;
    return S_OK;
}

static HRESULT restart(http_xfer *x)
{
    HRESULT hr = bitsdo_fetch_restart(x->f);

    if (FAILED(hr))
        x->f->transient = FALSE; /* context LOCAL_FILE set by fetch.c */
    return hr;
}

/* Streams a response body into the temp file from `offset`. `expect` is
 * the body's length, or BITSDO_SIZE_UNKNOWN. *written_by_fetch tells the
 * caller that the error context is already set. f->offset (the file's
 * progress) advances by the bytes written: for a whole file it is the
 * temp-file offset, for a ranged file not necessarily. */
static HRESULT stream_body(http_xfer *x, http_stream *s, UINT64 offset, UINT64 expect, BOOL *context_set)
{
    bitsdo_fetch *f = x->f;
    UINT64 pos = offset;
    const BYTE *data;
    DWORD got;
    HRESULT hr;

    *context_set = FALSE;
    for (;;) {
        BITSDO_PROF_START(t_recv);

        hr = s->wire->read(s, &data, &got);
        BITSDO_PROF_STOP(BITSDO_PROF_RECV, t_recv);
        if (FAILED(hr)) {
            stream_end(s, FALSE);
            if (hr == BITSDO_BG_E_INVALID_SERVER_RESPONSE) {
                /* More bytes than the server declared: none of this response
                 * can be trusted, nor can what it already wrote. */
                if (FAILED(restart(x))) {
                    *context_set = TRUE;
                    return hr;
                }
            }
            return hr;
        }
        if (!got)
            break;
        if (expect != BITSDO_SIZE_UNKNOWN && pos - offset + got > expect) {
            stream_end(s, FALSE);
            return BITSDO_BG_E_INVALID_SERVER_RESPONSE;
        }
        if (FAILED(hr = bitsdo_fetch_write(f, pos, data, got))) {
            stream_end(s, FALSE);
            *context_set = TRUE;
            return hr;
        }
        pos += got;
        f->offset += got;
        if (x->via_cache)
            bitsdo__fetch_add64(&f->file->cache_bytes, got);
    }
    stream_end(s, TRUE);
    if (expect != BITSDO_SIZE_UNKNOWN && pos - offset != expect)
        return HTTP_HR(ERROR_WINHTTP_CONNECTION_ERROR);
    return S_OK;
}

static void break_out(http_response *resp, http_url *url, char *rv)
{
    free(rv);
    http_response_free(resp);
    url_free(url);
}

/* A file added with ranges (AddFileWithRanges, or a DO Start with
 * ranges): one request per range piece, `Range: bytes=a-b` (`a-` for a
 * range to the end while the size is unknown), with `If-Range` once a
 * validator is known so a changed file cannot mix into what we hold.
 *   - 206: its Content-Range must be the piece asked for (after the first
 *     answer tells the remote size and resolves BG_LENGTH_TO_EOF); a
 *     different total or validator means the file changed: the ranges
 *     start over, at most MAX_RESTARTS times;
 *   - 200: with a validator that differs from ours the file changed (If-Range
 *     sent it whole): start over; otherwise the server ignores ranges, and
 *     a 200 body cannot give just the ranges: BG_E_INSUFFICIENT_RANGE_SUPPORT;
 *   - 416: a range lies beyond the end of the file: BG_E_INVALID_RANGE.
 * Bytes go where bitsdo_fetch_range_piece says (packed or in place). */
static HRESULT run_ranges(http_xfer *x, char **validator)
{
    bitsdo_fetch *f = x->f;
    http_response resp;
    http_url url;
    http_stream *s;
    char *headers = NULL, *rv;
    UINT64 from, len, dst;
    int restarts = 0;
    BOOL context_set;
    size_t n;
    HRESULT hr;

    for (;;) {
        if ((hr = bitsdo_fetch_range_piece(f, f->offset, &from, &len, &dst)) != S_OK) {
            hr = S_OK; /* every range is in */
            break;
        }
        if (restarts > MAX_RESTARTS) {
            hr = BITSDO_BG_E_REMOTE_FILE_CHANGED;
            break;
        }
        n = 160 + (*validator ? strlen(*validator) : 0) + (x->custom_headers ? strlen(x->custom_headers) : 0);
        free(headers);
        if (!(headers = malloc(n))) {
            hr = E_OUTOFMEMORY;
            break;
        }
        if (len == BITSDO_SIZE_UNKNOWN)
            snprintf(headers, n, "Range: bytes=%llu-\r\n", (unsigned long long)from);
        else
            snprintf(headers, n, "Range: bytes=%llu-%llu\r\n", (unsigned long long)from,
                     (unsigned long long)(from + len - 1));
        if (*validator && !x->dynamic)
            snprintf(headers + strlen(headers), n - strlen(headers), "If-Range: %s\r\n", *validator);
        if (x->custom_headers)
            strcat(headers, x->custom_headers);

        if (FAILED(hr = request(x, x->url, headers, &url, &resp, &s)))
            break;
        rv = response_validator(&resp);
        if (resp.status == 206 && resp.has_range && resp.range_total_known) {
            if ((*validator && rv && strcmp(rv, *validator)) ||
                (f->remote_size != BITSDO_SIZE_UNKNOWN && resp.range_total != f->remote_size)) {
                /* Another file than the one we hold ranges of. */
                stream_end(s, FALSE);
                f->remote_size = BITSDO_SIZE_UNKNOWN;
                if (FAILED(hr = restart(x)))
                    goto out_context;
                free(*validator);
                *validator = NULL;
                restarts++;
                goto next;
            }
            if (f->remote_size == BITSDO_SIZE_UNKNOWN) {
                /* The first answer: the size resolves the ranges. */
                HRESULT sized = bitsdo_fetch_range_size(f, resp.range_total);
                if (FAILED(hr = sized)) {
                    stream_end(s, FALSE);
                    goto out_context;
                }
                if (FAILED(hr = store_validator(x, &resp, validator))) {
                    stream_end(s, FALSE);
                    break_out(&resp, &url, rv);
                    break;
                }
                if (sized == S_FALSE || bitsdo_fetch_range_piece(f, f->offset, &from, &len, &dst) != S_OK) {
                    stream_end(s, FALSE); /* restarted: ask again */
                    goto next;
                }
            }
            if (resp.range_first != from || resp.range_last != from + len - 1 ||
                (resp.has_length && resp.length != len)) {
                /* Not the range asked for: write none of it. */
                stream_end(s, FALSE);
                hr = BITSDO_BG_E_INVALID_SERVER_RESPONSE;
                break_out(&resp, &url, rv);
                break;
            }
            hr = stream_body(x, s, dst, len, &context_set);
            if (context_set)
                goto out_context_streamed;
            if (FAILED(hr)) {
                break_out(&resp, &url, rv);
                break;
            }
        } else if (resp.status == 200 && *validator && rv && strcmp(rv, *validator) && !x->dynamic) {
            /* If-Range found the file changed and sent it whole. */
            stream_end(s, FALSE);
            f->remote_size = BITSDO_SIZE_UNKNOWN;
            if (FAILED(hr = restart(x)))
                goto out_context;
            free(*validator);
            *validator = NULL;
            restarts++;
        } else {
            if (resp.status == 200 || resp.status == 206)
                hr = resp.status == 200 ? BITSDO_BG_E_INSUFFICIENT_RANGE_SUPPORT
                                        : BITSDO_BG_E_INVALID_SERVER_RESPONSE;
            else if (resp.status == 416)
                hr = BITSDO_BG_E_INVALID_RANGE;
            else
                hr = BITSDO_HTTP_ERROR(resp.status);
            stream_end(s, resp.status >= 400 && resp.status < 500 && drain(s));
            break_out(&resp, &url, rv);
            break;
        }
    next:
        break_out(&resp, &url, rv);
    }
    free(headers);
    return FAILED(hr) ? fail(x, hr) : S_OK;

out_context:
out_context_streamed:
    /* The error context is set already (by fetch.c). */
    break_out(&resp, &url, rv);
    free(headers);
    return hr;
}

/* A request's own headers followed by the job's custom headers, in a new
 * buffer (NULL when out of memory). */
static char *with_custom_headers(const http_xfer *x, const char *own)
{
    size_t n = strlen(own) + (x->custom_headers ? strlen(x->custom_headers) : 0) + 1;
    char *all = malloc(n);

    if (all) {
        strcpy(all, own);
        if (x->custom_headers)
            strcat(all, x->custom_headers);
    }
    return all;
}

/* A body of unknown length (chunked) read through WinHTTP ended after
 * `length` bytes. Wine's WinHTTP ends such a body without an error when
 * the connection drops before the last chunk, so the end is not proof of a
 * whole file (our own HTTP client parses the chunks and knows). Ask the URL
 * that served it for what lies beyond: 416 (nothing) confirms the length;
 * 206 means the body was cut short, a connection error, retried. Any other
 * answer (200: the server ignores ranges; an error) cannot tell, and the
 * body is taken as it is. No redirect is followed and nothing is recorded
 * as the response seen: this only checks the one that was. */
static HRESULT confirm_end(http_xfer *x, const http_url *url, UINT64 length, const char *validator)
{
    http_response resp;
    http_stream *s;
    char range[512], *headers;
    HRESULT hr;

    if (validator)
        snprintf(range, sizeof(range), "Range: bytes=%llu-\r\nIf-Range: %.400s\r\n", (unsigned long long)length,
                 validator);
    else
        snprintf(range, sizeof(range), "Range: bytes=%llu-\r\n", (unsigned long long)length);
    if (!(headers = with_custom_headers(x, range)))
        return E_OUTOFMEMORY;
    hr = choose_wire(x, url)->open(x, url, headers, &resp, &s);
    free(headers);
    if (FAILED(hr))
        return hr;
    if (resp.status == 206 ||
        (resp.status == 416 && resp.range_unsatisfied && resp.range_total_known && resp.range_total != length))
        hr = HTTP_HR(ERROR_WINHTTP_CONNECTION_ERROR); /* there was more */
    stream_end(s, FALSE);
    http_response_free(&resp);
    return hr;
}

static HRESULT run(http_xfer *x, char **validator)
{
    bitsdo_fetch *f = x->f;
    bitsdo_file_counters *fc = &f->file->counters;
    http_response resp;
    http_url url;
    http_stream *s;
    char headers[512], *all = NULL;
    int restarts = 0;
    BOOL context_set;
    HRESULT hr;

    if (f->ranges)
        return run_ranges(x, validator);

    for (;;) {
        UINT64 known = bitsdo__load64(&fc->bytes_total), offset = f->offset, expect;
        BOOL ranged = FALSE, via_winhttp;

        if (restarts > MAX_RESTARTS) {
            free(all);
            return fail(x, BITSDO_BG_E_REMOTE_FILE_CHANGED);
        }
        if (offset) {
            if (!x->dynamic && *validator && known != BITSDO_SIZE_UNKNOWN && offset < known) {
                ranged = TRUE;
            } else {
                /* Nothing to check the partial data against: start over. */
                if (FAILED(hr = restart(x))) {
                    free(all);
                    return hr;
                }
                offset = 0;
            }
        }
        headers[0] = 0;
        if (ranged)
            snprintf(headers,
                     sizeof(headers),
                     "Range: bytes=%llu-\r\nIf-Range: %.400s\r\n",
                     (unsigned long long)offset,
                     *validator);
        free(all);
        if (!(all = with_custom_headers(x, headers)))
            return fail(x, E_OUTOFMEMORY);

        hr = request(x, x->url, all, &url, &resp, &s);
        if (FAILED(hr))
            break;

        if (resp.status == 200) {
            if (offset) {
                /* The whole file instead of the range: the server ignores
                 * ranges or If-Range saw a changed file. Take it from byte 0. */
                if (FAILED(hr = restart(x)))
                    goto end_stream_context;
                offset = 0;
            }
            if (!resp.has_length && !resp.chunked && !x->dynamic) {
                hr = BITSDO_BG_E_MISSING_FILE_SIZE;
                goto end_stream;
            }
            if (resp.has_length) {
                if (FAILED(hr = bitsdo_fetch_set_size(f, resp.length)))
                    goto end_stream_context;
                expect = resp.length;
            } else {
                if (known != BITSDO_SIZE_UNKNOWN)
                    bitsdo_counters_set_size(&f->job->rec.counters, fc, BITSDO_SIZE_UNKNOWN);
                expect = BITSDO_SIZE_UNKNOWN;
            }
            if (FAILED(hr = store_validator(x, &resp, validator)))
                goto end_stream;
            via_winhttp = s->wire == &http_wire_winhttp;
            hr = stream_body(x, s, 0, expect, &context_set);
            s = NULL;
            if (context_set) {
                http_response_free(&resp);
                url_free(&url);
                free(all);
                return hr;
            }
            if (SUCCEEDED(hr) && expect == BITSDO_SIZE_UNKNOWN && via_winhttp)
                hr = confirm_end(x, &url, f->offset, *validator);
        } else if (resp.status == 206) {
            char *rv;
            if (!ranged || !resp.has_range || !resp.range_total_known) {
                hr = BITSDO_BG_E_INVALID_SERVER_RESPONSE;
                goto end_stream;
            }
            rv = response_validator(&resp);
            if (resp.range_total != known || (rv && strcmp(rv, *validator))) {
                /* Another file than the one we hold the start of. */
                free(rv);
                if (FAILED(hr = restart(x)))
                    goto end_stream_context;
                stream_end(s, FALSE);
                http_response_free(&resp);
                url_free(&url);
                restarts++;
                continue;
            }
            free(rv);
            if (resp.range_first != offset || resp.range_last != known - 1 ||
                (resp.has_length && resp.length != resp.range_last - resp.range_first + 1)) {
                /* Not the range asked for: write none of it. */
                hr = BITSDO_BG_E_INVALID_SERVER_RESPONSE;
                goto end_stream;
            }
            hr = stream_body(x, s, offset, known - offset, &context_set);
            s = NULL;
            if (context_set) {
                http_response_free(&resp);
                url_free(&url);
                free(all);
                return hr;
            }
        } else if (resp.status == 416 && ranged) {
            /* Our range is past the end: the file shrank. Start over. */
            if (FAILED(hr = restart(x)))
                goto end_stream_context;
            stream_end(s, drain(s));
            http_response_free(&resp);
            url_free(&url);
            restarts++;
            continue;
        } else {
            hr = BITSDO_HTTP_ERROR(resp.status);
            stream_end(s, resp.status < 500 && drain(s));
            s = NULL;
        }
        http_response_free(&resp);
        url_free(&url);
        break;

    end_stream:
        stream_end(s, FALSE);
        http_response_free(&resp);
        url_free(&url);
        break;
    end_stream_context:
        /* The error context is set already (by fetch.c). */
        stream_end(s, FALSE);
        http_response_free(&resp);
        url_free(&url);
        free(all);
        return hr;
    }
    free(all);
    if (FAILED(hr))
        return fail(x, hr);
    return S_OK;
}

/* --- Delivery Optimization cache hosts ----------------------------------- */

/* Asks the origin for the file's first byte (`Range: bytes=0-0`): its size
 * and validator are what a cache host's copy must show. An origin that
 * cannot be asked leaves nothing to check against; the cache's answer is
 * then checked whenever the origin is asked later (If-Range). */
static void probe_origin(http_xfer *x)
{
    char *headers = with_custom_headers(x, "Range: bytes=0-0\r\n");
    http_response resp;
    http_url url;
    http_stream *s;

    if (!headers)
        return;
    if (SUCCEEDED(request(x, x->f->remote, headers, &url, &resp, &s))) {
        if (resp.status == 206 || resp.status == 200) {
            x->origin_known = TRUE;
            x->origin_size = resp.status == 206 && resp.has_range && resp.range_total_known ? resp.range_total
                             : resp.status == 200 && resp.has_length                      ? resp.length
                                                                                           : BITSDO_SIZE_UNKNOWN;
            x->origin_validator = x->dynamic ? NULL : response_validator(&resp);
        }
        stream_end(s, resp.status == 206 && drain(s));
        http_response_free(&resp);
        url_free(&url);
    }
    free(headers);
}

/* Whether a failure from a cache host lets the next source try: not for
 * a stop, a local disk error or memory. */
static BOOL cache_failover(const http_xfer *x, HRESULT hr)
{
    return hr != E_ABORT && hr != E_OUTOFMEMORY && x->f->error_context != BG_ERROR_CONTEXT_LOCAL_FILE;
}

/* Runs the file from its sources. With cache hosts in DOCacheHost (and
 * DODownloadMode not Bypass) they come first, in the order listed, each at
 * the URL Connected Cache expects (cachehost.h); a cache host that cannot
 * be reached, answers an error or a redirect, or shows another size or
 * validator than the origin, hands over to the next. The cache hosts are
 * tried again, once a second, until the fallback delay
 * (DODelayCacheServerFallbackForeground for foreground jobs, ...Background
 * otherwise; 0 by default) has passed since the first failure, then the
 * origin goes on from the bytes already in, with If-Range as always.
 * Jobs with server credentials (content that is not for a shared cache)
 * and dynamic content go to the origin only. */
static HRESULT run_source(http_xfer *x, char **validator)
{
    bitsdo_fetch *f = x->f;
    WCHAR host[BITSDO_CACHEHOST_MAX_NAME + 1];
    bitsdo_cache_policy policy;
    ULONGLONG first_fail = 0, waited;
    BOOL foreground, creds = FALSE;
    HRESULT hr = S_OK;
    size_t i;
    int s;

    for (s = 0; s < HTTP_CRED_SCHEMES; s++)
        creds |= x->creds[BG_AUTH_TARGET_SERVER - 1][s].set;
    if (creds || x->dynamic)
        return run(x, validator);
    AcquireSRWLockShared(&f->job->lock);
    foreground = f->job->rec.priority == BG_JOB_PRIORITY_FOREGROUND;
    ReleaseSRWLockShared(&f->job->lock);
    bitsdo_policy_cache(foreground, &policy);
    if (!policy.hosts)
        return run(x, validator);

    probe_origin(x);
    for (;;) {
        for (i = 0; bitsdo_cachehost_entry((const bitsdo_wchar *)policy.hosts, i, (bitsdo_wchar *)host,
                                           ARRAYSIZE(host));
             i++) {
            WCHAR *url = (WCHAR *)bitsdo_cachehost_url((const bitsdo_wchar *)host, (const bitsdo_wchar *)f->remote);

            if (!url)
                continue;
            x->url = url;
            x->via_cache = TRUE;
            hr = run(x, validator);
            x->url = f->remote;
            x->via_cache = FALSE;
            free(url);
            if (SUCCEEDED(hr) || !cache_failover(x, hr))
                goto done;
            if (!first_fail)
                first_fail = GetTickCount64();
        }
        waited = first_fail ? GetTickCount64() - first_fail : 0;
        if (!first_fail || waited >= (ULONGLONG)policy.fallback_delay_s * 1000)
            break;
        WaitForSingleObject(x->abort_event, (DWORD)min(1000, (ULONGLONG)policy.fallback_delay_s * 1000 - waited));
        if (bitsdo__read_long(&x->aborted)) {
            hr = fail(x, E_ABORT);
            goto done;
        }
    }
    hr = run(x, validator);
done:
    bitsdo_policy_cache_free(&policy);
    return hr;
}

static BOOL http_handles(bitsdo_remote_kind kind)
{
    return kind == BITSDO_REMOTE_HTTP || kind == BITSDO_REMOTE_HTTPS;
}

static HRESULT http_fetch(bitsdo_fetch *f)
{
    bitsdo_job *job = f->job;
    http_xfer *x;
    char *validator = NULL;
    HRESULT hr;

    if (FAILED(hr = xfer_create(f, &validator, &x))) {
        f->error_context = BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER;
        f->transient = hr == E_OUTOFMEMORY;
        return hr;
    }
    AcquireSRWLockExclusive(&job->lock);
    f->abort_ctx = x;
    f->abort = http_abort;
    ReleaseSRWLockExclusive(&job->lock);

    if (bitsdo_fetch_stopped(f))
        hr = E_ABORT;
    else
        hr = run_source(x, &validator);

    AcquireSRWLockExclusive(&job->lock);
    f->abort = NULL;
    f->abort_ctx = NULL;
    ReleaseSRWLockExclusive(&job->lock);
    free(validator);
    xfer_free(x);
    return hr;
}

const bitsdo_transport bitsdo_transport_http = {
    "http",
    http_handles,
    http_fetch,
};
