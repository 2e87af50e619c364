/* Wire 2 of the HTTP transport: WinHTTP, for https://, for requests that go
 * through a proxy and for challenge-response authentication.
 *
 * WinHTTP runs in asynchronous mode: each call completes through the
 * status callback, which records the result and sets an event; the worker
 * waits on that event and on the transfer's abort event, with a timeout.
 * (Under Wine 8 closing a request handle does not wake a synchronous
 * WinHttpReceiveResponse or WinHttpReadData, so synchronous WinHTTP could
 * not honour Suspend/Cancel within a second.) On abort or timeout the
 * request handle is closed and the worker returns at once; a completion
 * that still arrives later finds its context alive, because the context,
 * including the buffer WinHTTP reads into, is reference-counted and freed
 * only when WinHTTP reports the handle closing.
 *
 * Redirects are not followed by WinHTTP (the protocol layer applies the
 * job's redirect policy); authentication is answered here, with the job's
 * credentials, at most a few rounds per request.
 *
 * Sessions are cached per proxy configuration; WinHTTP keeps connections
 * alive within a session, so files of one host reuse them. */
#include "http_private.h"

#include <stdlib.h>
#include <string.h>

#define SESSION_MAX 8
#define AUTH_ROUNDS 3
/* Wine's WinHttpReadData returns only when the whole buffer is filled (or
 * the body ends), so the read size is also how much a stall can hold back
 * and how often progress moves; and each asynchronous read costs a fixed
 * overhead (about 0.2 ms here), so small reads are slow. Measured over
 * HTTPS on loopback (200 MB from nginx, two-core machine under load):
 * fixed 64 KB reads ~120-140 MiB/s, 256 KB ~180, synchronous WinHTTP with
 * 64 KB reads ~250. So reads start small and double while each one fills
 * quickly (up to READ_MAX), and halve again when one waits long. */
#define READ_MIN     (16 * 1024)
#define READ_START   (64 * 1024)
#define READ_MAX     (1024 * 1024)
#define READ_FAST_MS 50
#define READ_SLOW_MS 500

typedef struct wh_session {
    HINTERNET h;
    DWORD access;
    WCHAR *list, *bypass;
    ULONGLONG last_used;
} wh_session;

static SRWLOCK session_lock = SRWLOCK_INIT;
static wh_session sessions[SESSION_MAX];
static BOOL pinned;

/* One request's completion state, shared with WinHTTP's callback thread. */
typedef struct wh_req {
    volatile LONG refs;         /* ours, and the request handle's until HANDLE_CLOSING */
    HANDLE event;               /* auto-reset: a completion arrived */
    volatile LONG status;       /* WINHTTP_CALLBACK_STATUS_* of the last completion */
    DWORD error;                /* REQUEST_ERROR: the error */
    DWORD bytes;                /* READ_COMPLETE: bytes read */
    volatile LONG secure_flags; /* SECURE_FAILURE details */
    BYTE *buf[2];               /* READ_MAX each: WinHTTP reads into these */
} wh_req;

typedef struct wh_stream {
    http_stream base;
    http_xfer *x;
    HINTERNET connect, request;
    wh_req *r;
    BOOL has_length;
    UINT64 length, got;
    BOOL done;
    /* One read is kept in flight while the caller writes the previous
     * buffer to disk: `pending` says a read into buf[next] was started
     * (or failed to start with `pending_error`). */
    BOOL pending;
    HRESULT pending_error;
    int next;
    DWORD read_size, asked; /* current read size; bytes the pending read asked for */
    ULONGLONG started;      /* tick the pending read was started */
} wh_stream;

static wh_stream *impl_from_stream(http_stream *s)
{
    return CONTAINING_RECORD(s, wh_stream, base);
}

static void req_release(wh_req *r)
{
    if (InterlockedDecrement(&r->refs))
        return;
    CloseHandle(r->event);
    free(r->buf[0]);
    free(r->buf[1]);
    free(r);
}

static void CALLBACK status_callback(HINTERNET h, DWORD_PTR ctx, DWORD status, void *info, DWORD len)
{
    wh_req *r = (wh_req *)ctx;

    (void)h;
    if (!r)
        return;
    switch (status) {
    case WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE:
    case WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE:
        InterlockedExchange(&r->status, (LONG)status);
        SetEvent(r->event);
        break;
    case WINHTTP_CALLBACK_STATUS_READ_COMPLETE:
        r->bytes = len;
        InterlockedExchange(&r->status, (LONG)status);
        SetEvent(r->event);
        break;
    case WINHTTP_CALLBACK_STATUS_REQUEST_ERROR:
        r->error = info ? ((WINHTTP_ASYNC_RESULT *)info)->dwError : ERROR_WINHTTP_INTERNAL_ERROR;
        InterlockedExchange(&r->status, (LONG)status);
        SetEvent(r->event);
        break;
    case WINHTTP_CALLBACK_STATUS_SECURE_FAILURE:
        if (info && len >= sizeof(DWORD))
            InterlockedOr(&r->secure_flags, (LONG) * (DWORD *)info);
        break;
    case WINHTTP_CALLBACK_STATUS_HANDLE_CLOSING:
        req_release(r);
        break;
    default:
        break;
    }
}

static BOOL wstr_eq(const WCHAR *a, const WCHAR *b)
{
    if (!a || !b)
        return a == b;
    return !wcscmp(a, b);
}

static WCHAR *wdup(const WCHAR *s)
{
    WCHAR *d;

    if (!s)
        return NULL;
    if ((d = malloc((wcslen(s) + 1) * sizeof(WCHAR))))
        wcscpy(d, s);
    return d;
}

/* The cached asynchronous session for a proxy configuration. */
static HINTERNET get_session(const http_proxy *proxy)
{
    wh_session *slot = NULL;
    HINTERNET h;
    unsigned i;

    AcquireSRWLockExclusive(&session_lock);
    for (i = 0; i < SESSION_MAX; i++) {
        wh_session *s = &sessions[i];
        if (s->h && s->access == proxy->access && wstr_eq(s->list, proxy->list) &&
            wstr_eq(s->bypass, proxy->bypass)) {
            s->last_used = GetTickCount64();
            h = s->h;
            ReleaseSRWLockExclusive(&session_lock);
            return h;
        }
    }
    /* WinHTTP may call status_callback after the request that wanted it is
     * gone (a completion racing an abort); this DLL must then still be
     * there. Once a session exists, the DLL stays loaded. */
    if (!pinned) {
        HMODULE self;
        pinned = GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                                    (LPCWSTR)(void *)status_callback,
                                    &self);
    }
    h = WinHttpOpen(L"" HTTP_USER_AGENT,
                    proxy->access,
                    proxy->access == WINHTTP_ACCESS_TYPE_NAMED_PROXY ? proxy->list : WINHTTP_NO_PROXY_NAME,
                    proxy->access == WINHTTP_ACCESS_TYPE_NAMED_PROXY && proxy->bypass
                        ? proxy->bypass
                        : WINHTTP_NO_PROXY_BYPASS,
                    WINHTTP_FLAG_ASYNC);
    if (!h) {
        ReleaseSRWLockExclusive(&session_lock);
        return NULL;
    }
    if (WinHttpSetStatusCallback(h,
                                 status_callback,
                                 WINHTTP_CALLBACK_FLAG_ALL_COMPLETIONS | WINHTTP_CALLBACK_FLAG_HANDLES |
                                     WINHTTP_CALLBACK_FLAG_SECURE_FAILURE,
                                 0) == WINHTTP_INVALID_STATUS_CALLBACK) {
        WinHttpCloseHandle(h);
        ReleaseSRWLockExclusive(&session_lock);
        return NULL;
    }
    /* A free slot, else the least recently used one. A session still in use
     * by another transfer is not closed: its handle stays valid until its
     * requests end (WinHTTP keeps the parent alive for its children). */
    for (i = 0; i < SESSION_MAX; i++) {
        if (!sessions[i].h) {
            slot = &sessions[i];
            break;
        }
        if (!slot || sessions[i].last_used < slot->last_used)
            slot = &sessions[i];
    }
    if (slot->h) {
        WinHttpCloseHandle(slot->h);
        free(slot->list);
        free(slot->bypass);
    }
    slot->h = h;
    slot->access = proxy->access;
    slot->list = wdup(proxy->list);
    slot->bypass = wdup(proxy->bypass);
    slot->last_used = GetTickCount64();
    ReleaseSRWLockExclusive(&session_lock);
    return h;
}

void http_winhttp_flush(void)
{
    unsigned i;

    AcquireSRWLockExclusive(&session_lock);
    for (i = 0; i < SESSION_MAX; i++) {
        if (sessions[i].h)
            WinHttpCloseHandle(sessions[i].h);
        free(sessions[i].list);
        free(sessions[i].bypass);
        memset(&sessions[i], 0, sizeof(sessions[i]));
    }
    ReleaseSRWLockExclusive(&session_lock);
}

/* WinHTTP's error as an HRESULT. Wine's WinHTTP lets a socket's receive
 * timeout through as WSAETIMEDOUT; it is the request's timeout all the same. */
static HRESULT winhttp_error(DWORD err)
{
    if (!err)
        err = ERROR_WINHTTP_INTERNAL_ERROR;
    else if (err == WSAETIMEDOUT)
        err = ERROR_WINHTTP_TIMEOUT;
    return HTTP_HR(err);
}

static HRESULT secure_error(LONG flags)
{
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED)
        return HTTP_HR(ERROR_WINHTTP_SECURE_CERT_REVOKED);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA)
        return HTTP_HR(ERROR_WINHTTP_SECURE_INVALID_CA);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID)
        return HTTP_HR(ERROR_WINHTTP_SECURE_CERT_CN_INVALID);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID)
        return HTTP_HR(ERROR_WINHTTP_SECURE_CERT_DATE_INVALID);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE)
        return HTTP_HR(ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED)
        return HTTP_HR(ERROR_WINHTTP_SECURE_CERT_REV_FAILED);
    return HTTP_HR(ERROR_WINHTTP_SECURE_FAILURE);
}

/* Waits for the completion of the call just made. On abort or timeout the
 * request handle is closed (the caller must not use it any more). */
static HRESULT wait_completion(wh_stream *s, LONG expect)
{
    HRESULT hr = http_wait(s->x, s->r->event, s->x->io_timeout_ms);
    LONG status;

    if (hr != S_OK) {
        WinHttpCloseHandle(s->request);
        s->request = NULL;
        return hr;
    }
    status = InterlockedCompareExchange(&s->r->status, 0, 0);
    if (status == WINHTTP_CALLBACK_STATUS_REQUEST_ERROR) {
        LONG flags = InterlockedCompareExchange(&s->r->secure_flags, 0, 0);
        /* Wine reports a failed certificate check as a channel error;
         * the SECURE_FAILURE details, when given, say which check. */
        if (s->r->error == ERROR_WINHTTP_SECURE_FAILURE ||
            (s->r->error == ERROR_WINHTTP_SECURE_CHANNEL_ERROR && flags))
            return secure_error(flags);
        return winhttp_error(s->r->error);
    }
    if (status != expect)
        return HTTP_HR(ERROR_WINHTTP_INTERNAL_ERROR);
    return S_OK;
}

static HRESULT last_error(void)
{
    return winhttp_error(GetLastError());
}

/* The response head as WinHTTP saw it, run through our parser. */
static HRESULT query_head(wh_stream *s, http_response *resp)
{
    DWORD size = 0, i, n;
    WCHAR *w;
    char *raw;
    HRESULT hr;

    WinHttpQueryHeaders(s->request,
                        WINHTTP_QUERY_RAW_HEADERS_CRLF,
                        WINHTTP_HEADER_NAME_BY_INDEX,
                        NULL,
                        &size,
                        WINHTTP_NO_HEADER_INDEX);
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || !size || size > HTTP_MAX_HEAD * 2)
        return HTTP_HR(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
    if (!(w = malloc(size + sizeof(WCHAR))))
        return E_OUTOFMEMORY;
    if (!WinHttpQueryHeaders(s->request,
                             WINHTTP_QUERY_RAW_HEADERS_CRLF,
                             WINHTTP_HEADER_NAME_BY_INDEX,
                             w,
                             &size,
                             WINHTTP_NO_HEADER_INDEX)) {
        free(w);
        return last_error();
    }
    n = size / sizeof(WCHAR);
    if (!(raw = malloc(n + 3))) {
        free(w);
        return E_OUTOFMEMORY;
    }
    /* WinHTTP widened the bytes as Latin-1; narrow them back. */
    for (i = 0; i < n; i++)
        raw[i] = w[i] < 0x100 ? (char)w[i] : '?';
    free(w);
    /* Make sure the block ends with the empty line the parser expects. */
    while (n && (raw[n - 1] == '\r' || raw[n - 1] == '\n'))
        n--;
    raw[n++] = '\n';
    raw[n++] = '\n';
    raw[n] = 0;
    hr = http_parse_head(raw, n, resp);
    return hr;
}

static DWORD winhttp_scheme(int scheme)
{
    switch (scheme) {
    case BG_AUTH_SCHEME_BASIC:
        return WINHTTP_AUTH_SCHEME_BASIC;
    case BG_AUTH_SCHEME_DIGEST:
        return WINHTTP_AUTH_SCHEME_DIGEST;
    case BG_AUTH_SCHEME_NTLM:
        return WINHTTP_AUTH_SCHEME_NTLM;
    case BG_AUTH_SCHEME_NEGOTIATE:
        return WINHTTP_AUTH_SCHEME_NEGOTIATE;
    case BG_AUTH_SCHEME_PASSPORT:
        return WINHTTP_AUTH_SCHEME_PASSPORT;
    default:
        return 0;
    }
}

/* Answers a 401/407 with the job's credentials for that target. FALSE if
 * there are none that fit the schemes offered. */
static BOOL set_auth(wh_stream *s, int status)
{
    /* Strongest first, as WinHTTP's own documentation suggests. */
    static const int order[] = {BG_AUTH_SCHEME_NEGOTIATE,
                                BG_AUTH_SCHEME_NTLM,
                                BG_AUTH_SCHEME_PASSPORT,
                                BG_AUTH_SCHEME_DIGEST,
                                BG_AUTH_SCHEME_BASIC};
    DWORD supported = 0, first = 0, target = 0, auth_target;
    int bg_target = status == 407 ? BG_AUTH_TARGET_PROXY : BG_AUTH_TARGET_SERVER;
    unsigned i;

    if (!WinHttpQueryAuthSchemes(s->request, &supported, &first, &target))
        return FALSE;
    auth_target = status == 407 ? WINHTTP_AUTH_TARGET_PROXY : WINHTTP_AUTH_TARGET_SERVER;
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const http_cred *c = &s->x->creds[bg_target - 1][order[i] - 1];
        DWORD scheme = winhttp_scheme(order[i]);
        if (!c->set || !(supported & scheme))
            continue;
        if (!c->user && (scheme == WINHTTP_AUTH_SCHEME_NTLM || scheme == WINHTTP_AUTH_SCHEME_NEGOTIATE)) {
            /* The logged-on user's own credentials. */
            DWORD policy = WINHTTP_AUTOLOGON_SECURITY_LEVEL_LOW;
            WinHttpSetOption(s->request, WINHTTP_OPTION_AUTOLOGON_POLICY, &policy, sizeof(policy));
        }
        if (WinHttpSetCredentials(s->request, auth_target, scheme, c->user, c->pass, NULL))
            return TRUE;
    }
    return FALSE;
}

static void apply_options(wh_stream *s, const http_url *url)
{
    DWORD v;
    int t = (int)s->x->io_timeout_ms;

    v = WINHTTP_DISABLE_REDIRECTS;
    WinHttpSetOption(s->request, WINHTTP_OPTION_DISABLE_FEATURE, &v, sizeof(v));
    WinHttpSetTimeouts(s->request, (int)s->x->connect_timeout_ms, (int)s->x->connect_timeout_ms, t, t);
    if (url->secure) {
        v = 0;
        if (s->x->security_flags & BG_SSL_IGNORE_CERT_CN_INVALID)
            v |= SECURITY_FLAG_IGNORE_CERT_CN_INVALID;
        if (s->x->security_flags & BG_SSL_IGNORE_CERT_DATE_INVALID)
            v |= SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;
        if (s->x->security_flags & BG_SSL_IGNORE_UNKNOWN_CA)
            v |= SECURITY_FLAG_IGNORE_UNKNOWN_CA;
        if (s->x->security_flags & BG_SSL_IGNORE_CERT_WRONG_USAGE)
            v |= SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE;
        if (v)
            WinHttpSetOption(s->request, WINHTTP_OPTION_SECURITY_FLAGS, &v, sizeof(v));
        if (s->x->security_flags & BG_SSL_ENABLE_CRL_CHECK) {
            v = WINHTTP_ENABLE_SSL_REVOCATION;
            WinHttpSetOption(s->request, WINHTTP_OPTION_ENABLE_FEATURE, &v, sizeof(v));
        }
    }
}

static void stream_free(wh_stream *s)
{
    if (s->request)
        WinHttpCloseHandle(s->request);
    if (s->connect)
        WinHttpCloseHandle(s->connect);
    if (s->r)
        req_release(s->r);
    free(s);
}

static HRESULT wh_open(http_xfer *x, const http_url *url, const char *headers, http_response *resp,
                       http_stream **out)
{
    static const WCHAR *accept[] = {L"*/*", NULL};
    HINTERNET session;
    wh_stream *s;
    WCHAR *wtarget = NULL, *wheaders = NULL;
    DWORD_PTR ctx;
    int rounds = 0;
    HRESULT hr;

    *out = NULL;
    memset(resp, 0, sizeof(*resp));
    if (!(session = get_session(&x->proxy)))
        return last_error();
    if (!(s = calloc(1, sizeof(*s))))
        return E_OUTOFMEMORY;
    s->base.wire = &http_wire_winhttp;
    s->x = x;
    s->read_size = READ_START;
    if (!(s->r = calloc(1, sizeof(*s->r))) || !(s->r->buf[0] = malloc(READ_MAX)) ||
        !(s->r->buf[1] = malloc(READ_MAX)) || !(s->r->event = CreateEventW(NULL, FALSE, FALSE, NULL))) {
        if (s->r) {
            free(s->r->buf[0]);
            free(s->r->buf[1]);
            free(s->r);
            s->r = NULL;
        }
        free(s);
        return E_OUTOFMEMORY;
    }
    s->r->refs = 1;
    if (!(wtarget = http_wide(url->target, strlen(url->target))) ||
        (headers && *headers && !(wheaders = http_wide(headers, strlen(headers))))) {
        hr = E_OUTOFMEMORY;
        goto fail;
    }
    if (!(s->connect = WinHttpConnect(session, url->host, url->port, 0))) {
        hr = last_error();
        goto fail;
    }
    s->request = WinHttpOpenRequest(s->connect,
                                    L"GET",
                                    wtarget,
                                    NULL,
                                    WINHTTP_NO_REFERER,
                                    accept,
                                    (url->secure ? WINHTTP_FLAG_SECURE : 0) | WINHTTP_FLAG_ESCAPE_DISABLE |
                                        WINHTTP_FLAG_ESCAPE_DISABLE_QUERY);
    if (!s->request) {
        hr = last_error();
        goto fail;
    }
    /* From here the handle holds a reference, dropped at HANDLE_CLOSING. */
    InterlockedIncrement(&s->r->refs);
    ctx = (DWORD_PTR)s->r;
    if (!WinHttpSetOption(s->request, WINHTTP_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx))) {
        /* No callback will ever release the handle's reference. */
        InterlockedDecrement(&s->r->refs);
        hr = last_error();
        goto fail;
    }
    apply_options(s, url);

    for (;;) {
        ResetEvent(s->r->event);
        if (!WinHttpSendRequest(s->request,
                                wheaders ? wheaders : WINHTTP_NO_ADDITIONAL_HEADERS,
                                wheaders ? (DWORD)-1 : 0,
                                WINHTTP_NO_REQUEST_DATA,
                                0,
                                0,
                                ctx)) {
            hr = last_error();
            goto fail;
        }
        if (FAILED(hr = wait_completion(s, WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE)))
            goto fail;
        ResetEvent(s->r->event);
        if (!WinHttpReceiveResponse(s->request, NULL)) {
            hr = last_error();
            goto fail;
        }
        if (FAILED(hr = wait_completion(s, WINHTTP_CALLBACK_STATUS_HEADERS_AVAILABLE)))
            goto fail;
        if (FAILED(hr = query_head(s, resp)))
            goto fail;
        if ((resp->status == 401 || resp->status == 407) && rounds++ < AUTH_ROUNDS &&
            set_auth(s, resp->status)) {
            http_response_free(resp);
            continue;
        }
        break;
    }
    s->has_length = resp->has_length && !resp->chunked;
    s->length = resp->length;
    {
        /* The address WinHTTP connected to (HttpServerIPAddress), if it says. */
        WINHTTP_CONNECTION_INFO ci;
        DWORD size = sizeof(ci);
        ci.cbSize = sizeof(ci);
        if (WinHttpQueryOption(s->request, WINHTTP_OPTION_CONNECTION_INFO, &ci, &size))
            getnameinfo((struct sockaddr *)&ci.RemoteAddress, sizeof(ci.RemoteAddress), s->base.peer,
                        sizeof(s->base.peer), NULL, 0, NI_NUMERICHOST);
    }
    free(wtarget);
    free(wheaders);
    *out = &s->base;
    return S_OK;

fail:
    http_response_free(resp);
    free(wtarget);
    free(wheaders);
    stream_free(s);
    return hr;
}

/* Starts reading into buf[next], unless the body is known to be complete. */
static void start_read(wh_stream *s)
{
    DWORD want = s->read_size;

    s->pending = FALSE;
    s->pending_error = S_OK;
    if (s->has_length && s->length - s->got < want)
        want = (DWORD)(s->length - s->got);
    if (s->has_length && !want)
        return;
    s->pending = TRUE;
    s->asked = want;
    s->started = GetTickCount64();
    ResetEvent(s->r->event);
    if (!WinHttpReadData(s->request, s->r->buf[s->next], want, NULL))
        s->pending_error = last_error();
}

static HRESULT wh_read(http_stream *stream, const BYTE **data, DWORD *got)
{
    wh_stream *s = impl_from_stream(stream);
    BYTE *buf;
    DWORD n;
    HRESULT hr;

    *data = NULL;
    *got = 0;
    if (s->done)
        return S_OK;
    if (!s->request)
        return E_ABORT;
    if (!s->pending)
        start_read(s);
    if (!s->pending) {
        s->done = TRUE; /* the declared length is in */
        return S_OK;
    }
    s->pending = FALSE;
    if (FAILED(hr = s->pending_error))
        return hr;
    if (FAILED(hr = wait_completion(s, WINHTTP_CALLBACK_STATUS_READ_COMPLETE)))
        return hr;
    n = s->r->bytes;
    if (!n) {
        s->done = TRUE;
        if (s->has_length && s->got < s->length)
            return HTTP_HR(ERROR_WINHTTP_CONNECTION_ERROR); /* the body ended early */
        return S_OK;
    }
    if (n > s->asked || (s->has_length && n > s->length - s->got))
        return HTTP_HR(ERROR_WINHTTP_INTERNAL_ERROR);
    if (n == s->asked && GetTickCount64() - s->started < READ_FAST_MS && s->read_size < READ_MAX)
        s->read_size *= 2;
    else if (GetTickCount64() - s->started > READ_SLOW_MS && s->read_size > READ_MIN)
        s->read_size /= 2;
    buf = s->r->buf[s->next];
    s->got += n;
    /* The caller writes this buffer while WinHTTP fills the other one. */
    s->next ^= 1;
    start_read(s);
    *data = buf;
    *got = n;
    return S_OK;
}

static void wh_close(http_stream *stream, BOOL reuse)
{
    (void)reuse; /* WinHTTP decides about its connections itself */
    if (stream)
        stream_free(impl_from_stream(stream));
}

const http_wire http_wire_winhttp = {
    "winhttp",
    wh_open,
    wh_read,
    wh_close,
};
