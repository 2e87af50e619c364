/* Wire 1 of the HTTP transport: a small HTTP/1.1 client on Winsock for
 * plain http:// without a proxy.
 *
 * Sockets are non-blocking and registered with WSAEventSelect; every wait
 * is on the socket's event and the transfer's abort event, with a timeout.
 * (Under Wine 8 neither shutdown() nor closing a handle from another thread
 * wakes a blocked recv, so blocking sockets could not honour Suspend.)
 *
 * Finished connections go back to a process-wide pool keyed by host and
 * port, so the files of a job, and of other jobs, on one server reuse one
 * kept-alive connection. A pooled connection the server has meanwhile
 * closed is noticed before use (a peek) or, in the small window after it,
 * by the request failing before any response byte: then the request is
 * sent once more on a new connection. */
#include "http_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

#define POOL_MAX     32    /* idle connections kept, all hosts together */
#define POOL_IDLE_MS 30000 /* idle connections older than this are closed */
#define CONN_BUF     65536 /* read-ahead buffer for heads and chunk lines */
/* The socket's receive buffer, set before connect (so the window scale
 * fits it; the system caps it at its own maximum, Linux's rmem_max). Left
 * to Linux's autotuning, under Wine it starts at 128 KB and each recv of
 * a 200 MB loopback download found about 95 KB waiting: 2,200 recv calls,
 * each a wineserver request, and 400-800 MB/s. With 4 MB, recv finds a
 * whole HTTP_BUF_SIZE waiting: 202 calls and 940-1,150 MB/s
 * (docs/benchmarks.md, "Where the time goes"). */
#define SOCK_RCVBUF  (4 * 1024 * 1024)
/* With "Connection: close", how long we wait after the declared length
 * for the server's end, to catch a body longer than it said. */
#define EXCESS_WAIT_MS 2000

typedef struct sock_conn {
    SOCKET s;
    WSAEVENT ev;
    char key[300];  /* "host:port" */
    char *buf;      /* CONN_BUF read-ahead */
    DWORD pos, len; /* unread bytes are buf[pos..len) */
    ULONGLONG idle_since;
    BOOL reused;
} sock_conn;

typedef struct sock_stream {
    http_stream base;
    http_xfer *x;
    sock_conn *c;
    bitsdo_http_body_kind mode; /* how the body ends (src/core/httpparse.c) */
    UINT64 left;                /* LENGTH: bytes left */
    bitsdo_chunked chunks;      /* CHUNKED: the framing, undone by the core */
    BOOL done;                  /* the body is complete */
    BOOL reusable;              /* the response allows another request after it */
    BOOL close_announced;       /* the server said it closes after the body */
} sock_stream;

static sock_stream *impl_from_stream(http_stream *s)
{
    return CONTAINING_RECORD(s, sock_stream, base);
}

static SRWLOCK pool_lock = SRWLOCK_INIT;
static sock_conn *pool[POOL_MAX];
static unsigned pool_count;
static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;
static BOOL wsa_ok;

static BOOL CALLBACK wsa_init(INIT_ONCE *once, void *param, void **ctx)
{
    WSADATA data;

    (void)once;
    (void)param;
    (void)ctx;
    wsa_ok = WSAStartup(MAKEWORD(2, 2), &data) == 0;
    return TRUE;
}

static void conn_free(sock_conn *c)
{
    if (!c)
        return;
    if (c->s != INVALID_SOCKET)
        closesocket(c->s);
    if (c->ev != WSA_INVALID_EVENT)
        WSACloseEvent(c->ev);
    free(c->buf);
    free(c);
}

void http_sock_pool_flush(void)
{
    sock_conn *drop[POOL_MAX];
    unsigned i, n;

    AcquireSRWLockExclusive(&pool_lock);
    n = pool_count;
    memcpy(drop, pool, n * sizeof(*drop));
    pool_count = 0;
    ReleaseSRWLockExclusive(&pool_lock);
    for (i = 0; i < n; i++)
        conn_free(drop[i]);
}

/* TRUE if an idle connection still looks usable: nothing to read and not
 * closed by the peer. */
static BOOL conn_alive(sock_conn *c)
{
    char b;
    int n = recv(c->s, &b, 1, MSG_PEEK);

    if (n == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK)
        return TRUE;
    return FALSE;
}

static sock_conn *pool_take(const char *key)
{
    sock_conn *found = NULL, *stale[POOL_MAX];
    unsigned i, nstale = 0;
    ULONGLONG now = GetTickCount64();

    AcquireSRWLockExclusive(&pool_lock);
    for (i = 0; i < pool_count;) {
        sock_conn *c = pool[i];
        if (now - c->idle_since > POOL_IDLE_MS) {
            stale[nstale++] = c;
            pool[i] = pool[--pool_count];
            continue;
        }
        if (!found && !strcmp(c->key, key)) {
            found = c;
            pool[i] = pool[--pool_count];
            continue;
        }
        i++;
    }
    ReleaseSRWLockExclusive(&pool_lock);
    for (i = 0; i < nstale; i++)
        conn_free(stale[i]);
    if (found && !conn_alive(found)) {
        conn_free(found);
        found = NULL;
    }
    return found;
}

static void pool_put(sock_conn *c)
{
    sock_conn *evict = NULL;

    c->idle_since = GetTickCount64();
    c->reused = TRUE;
    AcquireSRWLockExclusive(&pool_lock);
    if (pool_count == POOL_MAX) {
        evict = pool[0];
        pool[0] = pool[--pool_count];
    }
    pool[pool_count++] = c;
    ReleaseSRWLockExclusive(&pool_lock);
    conn_free(evict);
}

/* Waits until the socket may have news (or abort / timeout), then resets
 * its event for the next round. */
static HRESULT sock_wait(http_xfer *x, sock_conn *c, DWORD timeout_ms)
{
    WSANETWORKEVENTS ne;
    HRESULT hr = http_wait(x, c->ev, timeout_ms);

    if (hr == S_OK)
        WSAEnumNetworkEvents(c->s, c->ev, &ne);
    return hr;
}

static HRESULT wsa_error(int err)
{
    switch (err) {
    case WSAECONNREFUSED:
    case WSAENETUNREACH:
    case WSAEHOSTUNREACH:
    case WSAEADDRNOTAVAIL:
        return HTTP_HR(ERROR_WINHTTP_CANNOT_CONNECT);
    case WSAETIMEDOUT:
        return HTTP_HR(ERROR_WINHTTP_TIMEOUT);
    default:
        return HTTP_HR(ERROR_WINHTTP_CONNECTION_ERROR);
    }
}

/* Resolves and connects, trying every address; the socket ends up
 * non-blocking with its event registered. */
static HRESULT conn_open(http_xfer *x, const http_url *url, const char *key, sock_conn **out)
{
    ADDRINFOW hints = {0}, *list = NULL, *ai;
    WCHAR port[8];
    sock_conn *c;
    HRESULT hr = HTTP_HR(ERROR_WINHTTP_CANNOT_CONNECT);
    ULONGLONG deadline;
    int one = 1, rcvbuf = SOCK_RCVBUF;

    InitOnceExecuteOnce(&wsa_once, wsa_init, NULL, NULL);
    if (!wsa_ok)
        return HTTP_HR(ERROR_WINHTTP_INTERNAL_ERROR);
    if (!(c = calloc(1, sizeof(*c))) || !(c->buf = malloc(CONN_BUF))) {
        free(c);
        return E_OUTOFMEMORY;
    }
    c->s = INVALID_SOCKET;
    c->ev = WSA_INVALID_EVENT;
    snprintf(c->key, sizeof(c->key), "%s", key);

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    swprintf(port, 8, L"%u", url->port);
    if (GetAddrInfoW(url->host, port, &hints, &list)) {
        conn_free(c);
        return HTTP_HR(ERROR_WINHTTP_NAME_NOT_RESOLVED);
    }
    if (!(c->ev = WSACreateEvent())) {
        c->ev = WSA_INVALID_EVENT;
        hr = HTTP_HR(ERROR_WINHTTP_INTERNAL_ERROR);
        goto done;
    }
    deadline = GetTickCount64() + x->connect_timeout_ms;
    for (ai = list; ai; ai = ai->ai_next) {
        WSANETWORKEVENTS ne;
        ULONGLONG now;

        if (c->s != INVALID_SOCKET)
            closesocket(c->s);
        c->s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (c->s == INVALID_SOCKET)
            continue;
        setsockopt(c->s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof(one));
        setsockopt(c->s, SOL_SOCKET, SO_RCVBUF, (const char *)&rcvbuf, sizeof(rcvbuf));
        if (WSAEventSelect(c->s, c->ev, FD_CONNECT | FD_READ | FD_WRITE | FD_CLOSE)) {
            hr = HTTP_HR(ERROR_WINHTTP_INTERNAL_ERROR);
            continue;
        }
        if (!connect(c->s, ai->ai_addr, (int)ai->ai_addrlen)) {
            hr = S_OK;
            break;
        }
        if (WSAGetLastError() != WSAEWOULDBLOCK) {
            hr = wsa_error(WSAGetLastError());
            continue;
        }
        /* Wait for FD_CONNECT; other events may come first. */
        for (;;) {
            now = GetTickCount64();
            if (now >= deadline) {
                hr = HTTP_HR(ERROR_WINHTTP_TIMEOUT);
                break;
            }
            hr = http_wait(x, c->ev, (DWORD)(deadline - now));
            if (hr != S_OK)
                break;
            if (WSAEnumNetworkEvents(c->s, c->ev, &ne)) {
                hr = HTTP_HR(ERROR_WINHTTP_CANNOT_CONNECT);
                break;
            }
            if (ne.lNetworkEvents & FD_CONNECT) {
                hr = ne.iErrorCode[FD_CONNECT_BIT] ? wsa_error(ne.iErrorCode[FD_CONNECT_BIT]) : S_OK;
                break;
            }
        }
        if (hr == S_OK || hr == E_ABORT)
            break;
        if (hr == HTTP_HR(ERROR_WINHTTP_TIMEOUT))
            break;
    }
done:
    FreeAddrInfoW(list);
    if (FAILED(hr)) {
        conn_free(c);
        return hr;
    }
    *out = c;
    return S_OK;
}

static HRESULT conn_send(http_xfer *x, sock_conn *c, const char *data, size_t len)
{
    HRESULT hr;
    int n;

    while (len) {
        n = send(c->s, data, len > 65536 ? 65536 : (int)len, 0);
        if (n > 0) {
            data += n;
            len -= n;
            continue;
        }
        if (WSAGetLastError() != WSAEWOULDBLOCK)
            return wsa_error(WSAGetLastError());
        if ((hr = sock_wait(x, c, x->io_timeout_ms)) != S_OK)
            return hr;
    }
    return S_OK;
}

/* Receives up to cap bytes into dst; *got == 0 when the peer closed. */
static HRESULT conn_recv(http_xfer *x, sock_conn *c, char *dst, DWORD cap, DWORD timeout_ms, DWORD *got)
{
    HRESULT hr;
    int n;

    for (;;) {
        n = recv(c->s, dst, cap > 0x7fffffff ? 0x7fffffff : (int)cap, 0);
        if (n >= 0) {
            *got = (DWORD)n;
            return S_OK;
        }
        if (WSAGetLastError() != WSAEWOULDBLOCK)
            return wsa_error(WSAGetLastError());
        if ((hr = sock_wait(x, c, timeout_ms)) != S_OK)
            return hr;
    }
}

/* Makes sure at least one unread byte is in c->buf (compacting first).
 * *eof is set when the peer closed instead. */
static HRESULT conn_fill(http_xfer *x, sock_conn *c, BOOL *eof)
{
    DWORD got;
    HRESULT hr;

    *eof = FALSE;
    if (c->pos < c->len)
        return S_OK;
    c->pos = c->len = 0;
    if (FAILED(hr = conn_recv(x, c, c->buf, CONN_BUF, x->io_timeout_ms, &got)))
        return hr;
    if (!got)
        *eof = TRUE;
    c->len = got;
    return S_OK;
}

/* Reads a response head (through the empty line) into a malloc'ed block.
 * *nothing is TRUE when the peer closed before sending a single byte. */
static HRESULT read_head(http_xfer *x, sock_conn *c, char **out, size_t *out_len, BOOL *nothing)
{
    size_t cap = 4096, len = 0;
    char *head = malloc(cap), *grown;
    BOOL eof;
    HRESULT hr;

    *nothing = TRUE;
    if (!head)
        return E_OUTOFMEMORY;
    for (;;) {
        if (FAILED(hr = conn_fill(x, c, &eof)))
            goto fail;
        if (eof) {
            hr = HTTP_HR(ERROR_WINHTTP_CONNECTION_ERROR);
            goto fail;
        }
        while (c->pos < c->len) {
            char ch = c->buf[c->pos++];
            /* Blank lines before the status line are tolerated (RFC 9112 2.2). */
            if (!len && (ch == '\r' || ch == '\n'))
                continue;
            *nothing = FALSE;
            if (len + 2 > cap) {
                if (cap >= HTTP_MAX_HEAD) {
                    hr = HTTP_HR(ERROR_WINHTTP_HEADER_SIZE_OVERFLOW);
                    goto fail;
                }
                cap *= 2;
                if (!(grown = realloc(head, cap))) {
                    hr = E_OUTOFMEMORY;
                    goto fail;
                }
                head = grown;
            }
            head[len++] = ch;
            if (ch == '\n' && ((len >= 2 && head[len - 2] == '\n') ||
                               (len >= 3 && head[len - 2] == '\r' && head[len - 3] == '\n'))) {
                head[len] = 0;
                *out = head;
                *out_len = len;
                return S_OK;
            }
        }
    }
fail:
    free(head);
    return hr;
}

static void build_key(const http_url *url, char *key, size_t cap)
{
    char *host = http_utf8(url->host);

    snprintf(key, cap, "%s:%u", host ? host : "", url->port);
    free(host);
}

/* The request bytes: request line, Host, our headers, the caller's. */
static char *build_request(const http_url *url, const char *headers, const char *auth)
{
    char *host = http_utf8(url->host), *req;
    size_t len;
    BOOL default_port = url->port == 80;

    if (!host)
        return NULL;
    len = strlen(url->target) + strlen(host) + (headers ? strlen(headers) : 0) + (auth ? strlen(auth) : 0) +
          256;
    if ((req = malloc(len))) {
        char port[8] = "";
        if (!default_port)
            snprintf(port, sizeof(port), ":%u", url->port);
        snprintf(req,
                 len,
                 "GET %s HTTP/1.1\r\n"
                 "Host: %s%s%s%s\r\n"
                 "User-Agent: " HTTP_USER_AGENT "\r\n"
                 "Accept: */*\r\n"
                 "%s%s%s"
                 "\r\n",
                 url->target,
                 url->host_v6 ? "[" : "",
                 host,
                 url->host_v6 ? "]" : "",
                 port,
                 auth ? auth : "",
                 headers ? headers : "",
                 "");
    }
    free(host);
    return req;
}

static char *basic_header(const http_cred *cred)
{
    char *user = http_utf8(cred->user ? cred->user : L""), *pass = http_utf8(cred->pass ? cred->pass : L"");
    char *pair = NULL, *b64 = NULL, *out = NULL;
    size_t n;

    if (user && pass && (pair = malloc(strlen(user) + strlen(pass) + 2))) {
        n = (size_t)sprintf(pair, "%s:%s", user, pass);
        if ((b64 = http_base64((const BYTE *)pair, n)) && (out = malloc(strlen(b64) + 32)))
            sprintf(out, "Authorization: Basic %s\r\n", b64);
        SecureZeroMemory(pair, n);
    }
    if (pass)
        SecureZeroMemory(pass, strlen(pass));
    if (b64)
        SecureZeroMemory(b64, strlen(b64));
    free(user);
    free(pass);
    free(pair);
    free(b64);
    return out;
}

/* Sets up body framing from a parsed head. */
static void stream_setup(sock_stream *s, const http_response *r)
{
    bitsdo_http_body b;

    bitsdo_http_body_framing(r, &b);
    s->mode = b.kind;
    s->left = b.length;
    s->close_announced = b.close_announced;
    s->reusable = b.reusable;
    s->done = b.kind == BITSDO_HTTP_BODY_NONE || (b.kind == BITSDO_HTTP_BODY_LENGTH && !b.length);
    if (b.kind == BITSDO_HTTP_BODY_CHUNKED)
        bitsdo_chunked_init(&s->chunks);
}

/* After the declared body: anything more from the server means the length
 * it declared was wrong. */
static HRESULT check_excess(sock_stream *s)
{
    sock_conn *c = s->c;
    char probe[512];
    DWORD got;
    HRESULT hr;
    int n;

    if (c->pos < c->len) {
        s->reusable = FALSE;
        return BITSDO_BG_E_INVALID_SERVER_RESPONSE;
    }
    if (s->close_announced) {
        /* The server said it closes: its end should come right away. */
        hr = conn_recv(s->x, c, probe, sizeof(probe), EXCESS_WAIT_MS, &got);
        if (hr == E_ABORT)
            return hr;
        if (SUCCEEDED(hr) && got)
            return BITSDO_BG_E_INVALID_SERVER_RESPONSE;
        return S_OK; /* its end, a reset or silence: nothing more came */
    }
    n = recv(c->s, probe, 1, MSG_PEEK);
    if (n > 0) {
        s->reusable = FALSE;
        return BITSDO_BG_E_INVALID_SERVER_RESPONSE;
    }
    if (n == 0 || WSAGetLastError() != WSAEWOULDBLOCK)
        s->reusable = FALSE;
    return S_OK;
}

/* The next data of a chunked body: the framing bytes come from the
 * read-ahead buffer and go through the core's state machine; chunk data
 * that is not buffered yet is received straight into the body buffer. */
static HRESULT chunked_read(sock_stream *s, const BYTE **data, DWORD *got)
{
    sock_conn *c = s->c;
    size_t used, off, n, len;
    const BYTE *in;
    BOOL from_conn, eof;
    DWORD r;
    HRESULT hr;

    for (;;) {
        UINT64 left = bitsdo_chunked_data_left(&s->chunks);

        if (c->pos < c->len) {
            in = (const BYTE *)c->buf + c->pos;
            len = c->len - c->pos;
            from_conn = TRUE;
        } else if (left) {
            DWORD want = left < HTTP_BUF_SIZE ? (DWORD)left : HTTP_BUF_SIZE;

            if (FAILED(hr = conn_recv(s->x, c, (char *)s->x->buf, want, s->x->io_timeout_ms, &r)))
                return hr;
            if (!r) {
                /* The server closed before the body was complete. */
                s->reusable = FALSE;
                return HTTP_HR(ERROR_WINHTTP_CONNECTION_ERROR);
            }
            in = s->x->buf;
            len = r;
            from_conn = FALSE;
        } else {
            if (FAILED(hr = conn_fill(s->x, c, &eof)))
                return hr;
            if (eof) {
                s->reusable = FALSE;
                return HTTP_HR(ERROR_WINHTTP_CONNECTION_ERROR);
            }
            continue;
        }
        switch (bitsdo_chunked_feed(&s->chunks, in, len, &used, &off, &n)) {
        case BITSDO_CHUNK_DATA:
            if (from_conn)
                c->pos += (DWORD)used;
            *data = in + off;
            *got = (DWORD)n;
            return S_OK;
        case BITSDO_CHUNK_MORE:
            if (from_conn)
                c->pos += (DWORD)used;
            continue;
        case BITSDO_CHUNK_END:
            c->pos += (DWORD)used; /* framing always comes from the buffer */
            s->done = TRUE;
            return check_excess(s);
        default:
            s->reusable = FALSE;
            return HTTP_HR(ERROR_WINHTTP_INVALID_SERVER_RESPONSE);
        }
    }
}

static HRESULT body_read(sock_stream *s, const BYTE **data, DWORD *got)
{
    sock_conn *c = s->c;
    DWORD want, n;
    HRESULT hr;

    *got = 0;
    *data = NULL;
    if (s->done)
        return S_OK;
    if (s->mode == BITSDO_HTTP_BODY_CHUNKED)
        return chunked_read(s, data, got);
    want = HTTP_BUF_SIZE;
    if (s->mode != BITSDO_HTTP_BODY_CLOSE && s->left < want)
        want = (DWORD)s->left;

    if (c->pos < c->len) {
        n = c->len - c->pos;
        if (n > want)
            n = want;
        *data = (const BYTE *)c->buf + c->pos;
        c->pos += n;
    } else {
        if (FAILED(hr = conn_recv(s->x, c, (char *)s->x->buf, want, s->x->io_timeout_ms, &n)))
            return hr;
        if (!n) {
            if (s->mode == BITSDO_HTTP_BODY_CLOSE) {
                s->done = TRUE;
                return S_OK;
            }
            /* The server closed before the body was complete. */
            s->reusable = FALSE;
            return HTTP_HR(ERROR_WINHTTP_CONNECTION_ERROR);
        }
        *data = s->x->buf;
    }
    *got = n;
    if (s->mode == BITSDO_HTTP_BODY_LENGTH) {
        s->left -= n;
        if (!s->left) {
            s->done = TRUE;
            if (FAILED(hr = check_excess(s))) {
                *got = 0;
                return hr;
            }
        }
    }
    return S_OK;
}

static HRESULT sock_read(http_stream *stream, const BYTE **data, DWORD *got)
{
    return body_read(impl_from_stream(stream), data, got);
}

/* Reads and throws away a (small) body so the connection can be reused. */
static BOOL drain(sock_stream *s)
{
    const BYTE *data;
    DWORD got;
    UINT64 total = 0;

    while (!s->done) {
        if (FAILED(body_read(s, &data, &got)))
            return FALSE;
        total += got;
        if (total > 65536)
            return FALSE;
        if (!got)
            break;
    }
    return s->done && s->reusable;
}

static void sock_close(http_stream *stream, BOOL reuse)
{
    sock_stream *s;

    if (!stream)
        return;
    s = impl_from_stream(stream);
    if (reuse && s->done && s->reusable && s->c->pos == s->c->len)
        pool_put(s->c);
    else
        conn_free(s->c);
    free(s);
}

/* One request and its head on connection c. *retry is set when a reused
 * connection turned out dead before answering (safe to send again). */
static HRESULT exchange(http_xfer *x, sock_conn *c, const char *req, http_response *resp, BOOL *retry)
{
    char *head;
    size_t head_len;
    BOOL nothing;
    HRESULT hr;

    *retry = FALSE;
    if (FAILED(hr = conn_send(x, c, req, strlen(req)))) {
        *retry = c->reused && hr != E_ABORT;
        return hr;
    }
    for (;;) {
        hr = read_head(x, c, &head, &head_len, &nothing);
        if (FAILED(hr)) {
            *retry = c->reused && nothing && hr != E_ABORT && hr != HTTP_HR(ERROR_WINHTTP_TIMEOUT);
            return hr;
        }
        if (FAILED(hr = http_parse_head(head, head_len, resp)))
            return hr;
        if (resp->status >= 200 || resp->status == 101)
            return S_OK;
        /* 1xx interim answers carry no body: wait for the real one. */
        http_response_free(resp);
    }
}

static HRESULT sock_open(http_xfer *x, const http_url *url, const char *headers, http_response *resp,
                         http_stream **out)
{
    const http_cred *basic = &x->creds[BG_AUTH_TARGET_SERVER - 1][BG_AUTH_SCHEME_BASIC - 1];
    char key[300], *req = NULL, *auth = NULL;
    sock_stream *s;
    sock_conn *c = NULL;
    BOOL retry;
    int attempt, auth_round = 0;
    HRESULT hr;

    *out = NULL;
    memset(resp, 0, sizeof(*resp));
    build_key(url, key, sizeof(key));
    if (basic->set && x->basic_sent && !(auth = basic_header(basic)))
        return E_OUTOFMEMORY;

again:
    free(req);
    if (!(req = build_request(url, headers, auth))) {
        hr = E_OUTOFMEMORY;
        goto done;
    }
    for (attempt = 0;; attempt++) {
        if (!c && !(c = pool_take(key)) && FAILED(hr = conn_open(x, url, key, &c)))
            goto done;
        hr = exchange(x, c, req, resp, &retry);
        if (SUCCEEDED(hr))
            break;
        http_response_free(resp);
        conn_free(c);
        c = NULL;
        if (!retry || attempt)
            goto done;
    }

    if (!(s = calloc(1, sizeof(*s)))) {
        hr = E_OUTOFMEMORY;
        goto done;
    }
    s->base.wire = &http_wire_sock;
    s->x = x;
    s->c = c;
    c = NULL;
    stream_setup(s, resp);

    /* A Basic challenge we hold credentials for: answer it once. */
    if (resp->status == 401 && resp->www_basic && basic->set && !auth_round++) {
        BOOL keep = drain(s);
        if (keep) {
            c = s->c;
        } else {
            conn_free(s->c);
        }
        free(s);
        http_response_free(resp);
        free(auth);
        if (!(auth = basic_header(basic))) {
            hr = E_OUTOFMEMORY;
            goto done;
        }
        x->basic_sent = TRUE;
        goto again;
    }
    {
        /* The address the connection went to (HttpServerIPAddress). */
        struct sockaddr_storage sa;
        int sa_len = sizeof(sa);
        if (!getpeername(s->c->s, (struct sockaddr *)&sa, &sa_len))
            getnameinfo((struct sockaddr *)&sa, sa_len, s->base.peer, sizeof(s->base.peer), NULL, 0,
                        NI_NUMERICHOST);
    }
    *out = &s->base;
    hr = S_OK;

done:
    if (c)
        conn_free(c);
    if (auth) {
        SecureZeroMemory(auth, strlen(auth));
        free(auth);
    }
    if (req) {
        SecureZeroMemory(req, strlen(req));
        free(req);
    }
    return hr;
}

const http_wire http_wire_sock = {
    "winsock",
    sock_open,
    sock_read,
    sock_close,
};
