/* libFuzzer target for http(s) URLs and redirect targets
 * (src/core/httpurl.c). The input is a base URL (UTF-8, invalid bytes read
 * as U+FFFD) up to the first newline, then a Location value (bytes up to
 * the first NUL, as a response head could carry it and more).
 *
 * Checks: parsing and resolving never crash; a parsed URL has a host
 * without a control character, space or delimiter, a port, and a request
 * target that starts with '/' and holds only printable ASCII with valid
 * %XX escapes (no CR, LF, space or '#': it cannot split the request line
 * or add a header); encoding a target again changes nothing; the parts
 * printed back as a URL parse to the same parts; a relative Location
 * never leaves the base's scheme, host and port, and a resolved URL that
 * parses prints and parses back to the same parts.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/core \
 *       tests/fuzz/fuzz_url.c src/core/[a-z]*.c -o /tmp/fuzz_url
 *   /tmp/fuzz_url -max_total_time=60 tests/fuzz/corpus/url
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpurl.h"
#include "wstr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void check_parts(const bitsdo_http_url *u)
{
    const char *t = u->target;
    char *again;
    size_t i;

    if (!u->host || !u->host[0] || !u->target || !u->url || !u->port)
        abort();
    if (!bitsdo_wcs_istarts(u->url, u->secure ? "https://" : "http://"))
        abort();
    for (i = 0; u->host[i]; i++) {
        bitsdo_wchar c = u->host[i];
        if (c <= 0x20 || c == 0x7f || c == '/' || c == '?' || c == '#' || c == '@')
            abort();
        if (u->host_v6 ? c == ']' : c == ':')
            abort();
    }
    if (t[0] != '/')
        abort();
    for (i = 0; t[i]; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c <= 0x20 || c >= 0x7f || strchr("#\"<>\\^`{|}", c))
            abort();
        if (c == '%' && (!is_hex((unsigned char)t[i + 1]) || !is_hex((unsigned char)t[i + 2])))
            abort();
    }
    again = bitsdo_http_encode_target(t);
    if (again && strcmp(again, t))
        abort();
    free(again);
}

/* The parts as a URL again. */
static bitsdo_wchar *print_url(const bitsdo_http_url *u)
{
    size_t host = bitsdo_wcslen(u->host), target = strlen(u->target), i, o = 0;
    bitsdo_wchar *out = malloc((host + target + 32) * sizeof(*out));
    char head[16], port[8];

    if (!out)
        return NULL;
    snprintf(head, sizeof(head), "%s://%s", u->secure ? "https" : "http", u->host_v6 ? "[" : "");
    snprintf(port, sizeof(port), "%u", (unsigned)u->port);
    for (i = 0; head[i]; i++)
        out[o++] = (bitsdo_wchar)head[i];
    for (i = 0; i < host; i++)
        out[o++] = u->host[i];
    if (u->host_v6)
        out[o++] = ']';
    out[o++] = ':';
    for (i = 0; port[i]; i++)
        out[o++] = (bitsdo_wchar)port[i];
    for (i = 0; i < target; i++)
        out[o++] = (bitsdo_wchar)(unsigned char)u->target[i];
    out[o] = 0;
    return out;
}

static int same_parts(const bitsdo_http_url *a, const bitsdo_http_url *b)
{
    return a->secure == b->secure && a->host_v6 == b->host_v6 && a->port == b->port &&
           !bitsdo_wcscmp(a->host, b->host) && !strcmp(a->target, b->target);
}

/* Checks a parsed URL and its round trip through print_url. */
static void round_trip(const bitsdo_http_url *u)
{
    bitsdo_http_url again;
    bitsdo_wchar *printed;
    bitsdo_hr hr;

    check_parts(u);
    if (!(printed = print_url(u)))
        return;
    hr = bitsdo_http_url_parse(printed, &again);
    if (hr == BITSDO_S_OK) {
        if (!same_parts(u, &again))
            abort();
        bitsdo_http_url_free(&again);
    } else if (hr != BITSDO_E_OUTOFMEMORY) {
        abort();
    }
    free(printed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t base_len = nl ? (size_t)(nl - data) : size;
    char *base8 = malloc(base_len + 1), *loc = malloc(size + 1);
    bitsdo_wchar *base_w = NULL, *resolved = NULL;
    bitsdo_http_url base, target;
    bitsdo_hr hr;

    if (!base8 || !loc)
        abort();
    memcpy(base8, data, base_len);
    base8[base_len] = 0; /* a NUL inside ends the base early: fine */
    if (nl) {
        size_t n = size - base_len - 1;
        memcpy(loc, nl + 1, n);
        loc[n] = 0;
    } else {
        loc[0] = 0;
    }
    if (!(base_w = bitsdo_wcs_from_utf8(base8)))
        goto done;
    hr = bitsdo_http_url_parse(base_w, &base);
    if (hr != BITSDO_S_OK) {
        if (hr != BITSDO_E_INVALIDARG && hr != BITSDO_E_OUTOFMEMORY)
            abort();
        if (base.host || base.target || base.url)
            abort();
        goto done;
    }
    round_trip(&base);
    resolved = bitsdo_http_url_resolve(&base, loc);
    if (resolved) {
        int absolute = bitsdo_wcs_istarts(resolved, "http://") || bitsdo_wcs_istarts(resolved, "https://");
        const unsigned char *l = (const unsigned char *)loc;
        int loc_relative = !(l[0] == '/' && l[1] == '/');

        if (!absolute)
            abort();
        /* a Location that names no scheme and no host stays on the base's origin */
        {
            size_t k;
            for (k = 0; l[k] && l[k] != '/' && l[k] != '?' && l[k] != '#'; k++)
                if (l[k] == ':')
                    loc_relative = 0; /* a scheme, or "host:port" looking like one */
        }
        hr = bitsdo_http_url_parse(resolved, &target);
        if (loc_relative && hr != BITSDO_S_OK && hr != BITSDO_E_OUTOFMEMORY)
            abort();
        if (hr == BITSDO_S_OK) {
            if (loc_relative && (target.secure != base.secure || target.port != base.port ||
                                 target.host_v6 != base.host_v6 || bitsdo_wcscmp(target.host, base.host)))
                abort();
            round_trip(&target);
            bitsdo_http_url_free(&target);
        }
        free(resolved);
    }
    bitsdo_http_url_free(&base);
done:
    free(base_w);
    free(base8);
    free(loc);
    return 0;
}
