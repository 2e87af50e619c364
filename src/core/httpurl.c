/* http(s) URLs and redirect targets (see httpurl.h). */
#include "httpurl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wstr.h"

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void bitsdo_http_url_free(bitsdo_http_url *u)
{
    if (!u)
        return;
    free(u->host);
    free(u->target);
    free(u->url);
    memset(u, 0, sizeof(*u));
}

char *bitsdo_http_encode_target(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), i;
    char *out, *o;

    if (n > (SIZE_MAX - 2) / 3 || !(out = malloc(n * 3 + 2)))
        return NULL;
    o = out;
    if (*s != '/')
        *o++ = '/';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int escape_ok = c == '%' && is_hex((unsigned char)s[i + 1]) && is_hex((unsigned char)s[i + 2]);
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c) || (c == '%' && !escape_ok)) {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o = 0;
    return out;
}

/* First of the ASCII characters `set` in s[0..n), or s + n. */
static const bitsdo_wchar *find_any(const bitsdo_wchar *s, size_t n, const char *set)
{
    size_t i;

    for (i = 0; i < n && s[i]; i++)
        if (s[i] < 0x80 && strchr(set, (int)s[i]))
            return s + i;
    return s + i;
}

bitsdo_hr bitsdo_http_url_parse(const bitsdo_wchar *s, bitsdo_http_url *u)
{
    const bitsdo_wchar *p, *auth_end, *host, *host_end, *after, *frag, *q;
    char *rest8;
    unsigned port;

    memset(u, 0, sizeof(*u));
    if (!s)
        return BITSDO_E_INVALIDARG;
    if (bitsdo_wcs_istarts(s, "http://")) {
        p = s + 7;
        u->port = 80;
    } else if (bitsdo_wcs_istarts(s, "https://")) {
        p = s + 8;
        u->secure = 1;
        u->port = 443;
    } else {
        return BITSDO_E_INVALIDARG;
    }
    auth_end = find_any(p, SIZE_MAX, "/?#");
    if (auth_end == p || find_any(p, (size_t)(auth_end - p), "@") < auth_end)
        return BITSDO_E_INVALIDARG;
    if (*p == '[') {
        const bitsdo_wchar *close = find_any(p, (size_t)(auth_end - p), "]");
        if (close == auth_end || close == p + 1)
            return BITSDO_E_INVALIDARG;
        host = p + 1;
        host_end = close;
        after = close + 1;
        u->host_v6 = 1;
    } else {
        host = p;
        host_end = find_any(p, (size_t)(auth_end - p), ":");
        after = host_end;
        if (host_end == host)
            return BITSDO_E_INVALIDARG;
    }
    for (q = host; q < host_end; q++)
        if (*q <= 0x20 || *q == 0x7f)
            return BITSDO_E_INVALIDARG; /* it would go into the Host field as is */
    if (after < auth_end) {
        if (*after != ':')
            return BITSDO_E_INVALIDARG;
        if (after + 1 < auth_end) {
            port = 0;
            for (q = after + 1; q < auth_end; q++) {
                if (*q < '0' || *q > '9' || (port = port * 10 + (unsigned)(*q - '0')) > 65535)
                    return BITSDO_E_INVALIDARG;
            }
            if (!port)
                return BITSDO_E_INVALIDARG;
            u->port = (uint16_t)port;
        }
    }
    if (!(u->host = malloc(((size_t)(host_end - host) + 1) * sizeof(bitsdo_wchar))))
        return BITSDO_E_OUTOFMEMORY;
    memcpy(u->host, host, (size_t)(host_end - host) * sizeof(bitsdo_wchar));
    u->host[host_end - host] = 0;

    frag = find_any(auth_end, SIZE_MAX, "#");
    rest8 = bitsdo_utf8_from_wcs(auth_end, (size_t)(frag - auth_end));
    if (!rest8 || !(u->target = bitsdo_http_encode_target(rest8)) || !(u->url = bitsdo_wcsdup(s))) {
        free(rest8);
        bitsdo_http_url_free(u);
        return BITSDO_E_OUTOFMEMORY;
    }
    free(rest8);
    return BITSDO_S_OK;
}

/* Appends the n units at s (or the ASCII string a) to out at *o. */
static void put_w(bitsdo_wchar *out, size_t *o, const bitsdo_wchar *s, size_t n)
{
    memcpy(out + *o, s, n * sizeof(*s));
    *o += n;
}

static void put_a(bitsdo_wchar *out, size_t *o, const char *a)
{
    while (*a)
        out[(*o)++] = (bitsdo_wchar)(unsigned char)*a++;
}

bitsdo_wchar *bitsdo_http_url_resolve(const bitsdo_http_url *base, const char *location)
{
    bitsdo_wchar *loc = bitsdo_wcs_from_utf8(location), *out = NULL, *path = NULL;
    const char *scheme = base->secure ? "https" : "http";
    const bitsdo_wchar *colon, *first_sep;
    size_t loc_len, path_len = 0, host_len, n, o = 0;
    char port[8] = "";

    if (!loc || !*loc) {
        free(loc);
        return NULL;
    }
    if (bitsdo_wcs_istarts(loc, "http://") || bitsdo_wcs_istarts(loc, "https://"))
        return loc;
    loc_len = bitsdo_wcslen(loc);
    colon = find_any(loc, loc_len, ":");
    first_sep = find_any(loc, loc_len, "/?#");
    if (colon < loc + loc_len && colon < first_sep) {
        free(loc); /* another scheme: not ours to follow */
        return NULL;
    }
    if (loc[0] == '/' && loc[1] == '/') {
        if ((out = malloc((strlen(scheme) + 1 + loc_len + 1) * sizeof(*out)))) {
            put_a(out, &o, scheme);
            put_a(out, &o, ":");
            put_w(out, &o, loc, loc_len);
            out[o] = 0;
        }
        free(loc);
        return out;
    }
    if (loc[0] != '/') {
        /* Relative: the base path up to its query (for "?x") or its last
         * slash (for "name"). */
        size_t keep = strcspn(base->target, "?");
        if (loc[0] != '?') {
            while (keep && base->target[keep - 1] != '/')
                keep--;
        }
        path_len = keep; /* the target is ASCII: one unit per byte */
        if (!(path = malloc((keep + 1) * sizeof(*path)))) {
            free(loc);
            return NULL;
        }
        for (n = 0; n < keep; n++)
            path[n] = (bitsdo_wchar)(unsigned char)base->target[n];
        path[keep] = 0;
    }
    if ((base->secure && base->port != 443) || (!base->secure && base->port != 80))
        snprintf(port, sizeof(port), ":%u", (unsigned)base->port);
    host_len = bitsdo_wcslen(base->host);
    n = strlen(scheme) + 3 + 2 + host_len + strlen(port) + path_len + loc_len + 1;
    if ((out = malloc(n * sizeof(*out)))) {
        put_a(out, &o, scheme);
        put_a(out, &o, "://");
        if (base->host_v6)
            put_a(out, &o, "[");
        put_w(out, &o, base->host, host_len);
        if (base->host_v6)
            put_a(out, &o, "]");
        put_a(out, &o, port);
        if (path)
            put_w(out, &o, path, path_len);
        put_w(out, &o, loc, loc_len);
        out[o] = 0;
    }
    free(path);
    free(loc);
    return out;
}
