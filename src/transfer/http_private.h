/* The HTTP/HTTPS transport's insides, shared by its three source files:
 *
 *   transport_http.c  the protocol: what to ask for (Range, If-Range), what
 *                     an answer means (status, Content-Range, validators,
 *                     redirects), where the bytes go, error mapping, the
 *                     in-memory credentials, the choice of wire;
 *   http_sock.c       wire 1: our own HTTP/1.1 client on Winsock for plain
 *                     http:// without a proxy (keep-alive connection pool);
 *   http_winhttp.c    wire 2: WinHTTP in asynchronous mode for https://,
 *                     proxies and challenge-response authentication.
 *
 * Why two wires: under Wine 8 WinHTTP moves about 90 MB/s per stream on
 * loopback (it reads through a small internal buffer), our Winsock client
 * about 1 GB/s; see the measurements in transport_http.c. WinHTTP stays for
 * what it does well: TLS with the system's certificate checks, proxies and
 * NTLM/Negotiate.
 *
 * Both wires hand the protocol layer the same thing: the response head as
 * bytes (parsed by one parser, src/core/httpparse.c) and the body as a
 * stream of bytes (framing undone). The byte rules (heads, body framing,
 * chunked, URLs and redirects, custom header lists) live in the portable
 * core, where they are unit-tested natively and fuzzed; the wires only
 * move bytes. Every wait of either wire also waits on the transfer's
 * abort event and has a timeout, so Suspend and Cancel interrupt a blocked
 * request at once. */
#ifndef BITSDO_TRANSFER_HTTP_PRIVATE_H
#define BITSDO_TRANSFER_HTTP_PRIVATE_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <winhttp.h>

#include "DeliveryOptimization.h"
#include "fetch.h"
#include "httpparse.h"
#include "httpurl.h"

/* Limits and defaults. */
#define HTTP_MAX_HEAD           (64 * 1024)   /* a response head larger than this is refused */
#define HTTP_BUF_SIZE           (1024 * 1024) /* body read size */
#define HTTP_MAX_REDIRECTS      10
#define HTTP_CONNECT_TIMEOUT_MS 30000
#define HTTP_IO_TIMEOUT_MS      60000 /* no byte moving for this long fails the request */
#define HTTP_USER_AGENT         "bitsdo/0.1"

/* A parsed http:// or https:// URL (src/core/httpurl.h). */
typedef bitsdo_http_url http_url;

/* The credentials of one target and scheme, copied for one transfer. */
typedef struct http_cred {
    BOOL set;
    WCHAR *user; /* NULL with NTLM/Negotiate: the logged-on user */
    WCHAR *pass;
} http_cred;

#define HTTP_CRED_TARGETS 2 /* BG_AUTH_TARGET_SERVER - 1, BG_AUTH_TARGET_PROXY - 1 */
#define HTTP_CRED_SCHEMES 5 /* BG_AUTH_SCHEME_BASIC - 1 .. BG_AUTH_SCHEME_PASSPORT - 1 */

/* Which proxy a request goes through. */
typedef struct http_proxy {
    DWORD access;  /* WINHTTP_ACCESS_TYPE_NO_PROXY / _NAMED_PROXY / _DEFAULT_PROXY */
    WCHAR *list;   /* NAMED_PROXY: the list */
    WCHAR *bypass; /* NAMED_PROXY: the bypass list, or NULL */
} http_proxy;

/* One transfer (one bitsdo_fetch): settings copied from the job when it
 * starts, the abort event, the body buffer. */
typedef struct http_xfer {
    bitsdo_fetch *f;
    HANDLE abort_event; /* manual reset; set by Suspend/Cancel */
    volatile LONG aborted;
    DWORD io_timeout_ms;
    DWORD connect_timeout_ms;
    http_proxy proxy;
    BOOL proxy_is_job_override; /* OVERRIDE: WinHTTP applies the bypass list */
    char *custom_headers;       /* validated "Name: value\r\n" lines (UTF-8), or NULL */
    ULONG security_flags;       /* BG_SSL_* | BG_HTTP_REDIRECT_POLICY_* */
    BOOL dynamic;               /* BITS_JOB_PROPERTY_DYNAMIC_CONTENT */
    http_cred creds[HTTP_CRED_TARGETS][HTTP_CRED_SCHEMES];
    BOOL basic_sent; /* sock wire: Basic credentials accepted once */
    BYTE *buf;       /* HTTP_BUF_SIZE bytes for the sock wire */
    /* The URL asked now: the file's remote name, or its URL on a DO cache
     * host (via_cache). What the origin said of the file (origin_known:
     * its size, BITSDO_SIZE_UNKNOWN if not given, and validator) is what a
     * cache host's answer must agree with. */
    const WCHAR *url;
    BOOL via_cache;
    BOOL origin_known;
    UINT64 origin_size;
    char *origin_validator;
} http_xfer;

/* A response head, parsed (src/core/httpparse.h): the one parser both
 * wires use. */
typedef bitsdo_http_head http_response;

/* bitsdo_http_head_parse on a malloc'ed head, which it frees. */
HRESULT http_parse_head(char *raw, size_t len, http_response *r);
void http_response_free(http_response *r);

/* A response being read; each wire embeds this as the first member of its
 * own stream structure. */
typedef struct http_stream {
    const struct http_wire *wire;
    char peer[64]; /* the server's address as text, "" if the wire cannot tell */
} http_stream;

typedef struct http_wire {
    const char *name;
    /* Sends a GET for url with the extra header lines (each "Name: value\r\n")
     * and reads the response head (1xx skipped, authentication answered when
     * the transfer has credentials). On success *out is open and resp
     * filled; the caller then reads the body or closes. */
    HRESULT (*open)
    (http_xfer *x, const http_url *url, const char *headers, http_response *resp, http_stream **out);
    /* Next body bytes: *data points to *got bytes valid until the next call;
     * *got == 0 at the end of the body. A body that ends before its declared
     * length, or a declared length the server sends more than, is an error. */
    HRESULT (*read)(http_stream *s, const BYTE **data, DWORD *got);
    /* Ends the exchange. `reuse`: the body was read to its end and the
     * connection may serve another request. */
    void (*close)(http_stream *s, BOOL reuse);
} http_wire;

extern const http_wire http_wire_sock;
extern const http_wire http_wire_winhttp;

/* Waits for `event` or the transfer's abort. S_OK, E_ABORT, or a timeout
 * (ERROR_WINHTTP_TIMEOUT as HRESULT). */
HRESULT http_wait(http_xfer *x, HANDLE event, DWORD timeout_ms);

/* UTF-16 -> UTF-8, malloc'ed (NULL for NULL or no memory). */
char *http_utf8(const WCHAR *s);
/* ASCII/UTF-8 -> UTF-16, malloc'ed. */
WCHAR *http_wide(const char *s, size_t len);
/* Base64 of len bytes, malloc'ed. */
char *http_base64(const BYTE *data, size_t len);

/* HRESULT for a WinHTTP/Winsock error code. */
#define HTTP_HR(err) HRESULT_FROM_WIN32(err)

/* Dropping idle pooled connections (sock wire) and sessions (WinHTTP). */
void http_sock_pool_flush(void);
void http_winhttp_flush(void);

#endif
