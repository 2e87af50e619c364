/* http:// and https:// URLs as the HTTP transport uses them: split into
 * host, port and request target, and redirect targets (Location values)
 * resolved against the URL that answered. Pure string work, no I/O: built
 * natively and fuzzed (tests/fuzz/fuzz_url.c).
 *
 * The request target is what goes on the request line, so it can never
 * hold a byte that would end that line or split it: everything but
 * printable ASCII, and the characters RFC 3986 does not allow as is
 * ("<>\^`{|} and the space), is percent-encoded; a valid %XX escape is
 * kept as it is, a lone % is encoded. */
#ifndef BITSDO_CORE_HTTPURL_H
#define BITSDO_CORE_HTTPURL_H

#include "types.h"

typedef struct bitsdo_http_url {
    int secure;         /* https */
    bitsdo_wchar *host; /* without the brackets of an IPv6 literal */
    int host_v6;
    uint16_t port;     /* the scheme's default when not given */
    char *target;      /* path and query, percent-encoded ASCII, starts with '/' */
    bitsdo_wchar *url; /* the whole URL, as given */
} bitsdo_http_url;

/* Splits an absolute http(s) URL (scheme case-insensitive). Refused with
 * E_INVALIDARG: another scheme, an empty host, user information ("@" before
 * the path), a control character or space in the host, an unclosed or
 * empty IPv6 literal, junk after the host, a port that is not 1-65535
 * (an empty port means the default). The fragment is dropped. S_OK and
 * *u filled (free with bitsdo_http_url_free), E_INVALIDARG or
 * E_OUTOFMEMORY with *u zeroed. */
bitsdo_hr bitsdo_http_url_parse(const bitsdo_wchar *s, bitsdo_http_url *u);
void bitsdo_http_url_free(bitsdo_http_url *u);

/* The request target for a path and query (UTF-8, NUL-terminated): a '/'
 * put in front if missing, then encoded as described above. malloc'ed;
 * NULL on out of memory. */
char *bitsdo_http_encode_target(const char *path);

/* The absolute URL a Location value (UTF-8, as in a response head) points
 * to, seen from base: an http(s) URL as it is; "//host/..." with base's
 * scheme; "/path" on base's origin; "?query" on base's path; anything
 * else relative to base's path up to its last '/'. malloc'ed; NULL for an
 * empty value, another scheme, or out of memory. (Dot segments are left
 * for the server.) */
bitsdo_wchar *bitsdo_http_url_resolve(const bitsdo_http_url *base, const char *location);

#endif
