/* DOCacheHost lists and cache-host request URLs (see cachehost.h). */
#include "cachehost.h"

#include <stdlib.h>
#include <string.h>

#include "wstr.h"

static int host_char(bitsdo_wchar c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == ':' || c == '[' || c == ']';
}

/* A host entry: a name or address with an optional port. Brackets only
 * as "[...]" at the start (IPv6); a port is digits only. */
static int valid_entry(const bitsdo_wchar *s, size_t n)
{
    size_t i = 0, colon = n;

    if (!n || n > BITSDO_CACHEHOST_MAX_NAME)
        return 0;
    for (i = 0; i < n; i++)
        if (!host_char(s[i]))
            return 0;
    i = 0;
    if (s[0] == '[') {
        while (i < n && s[i] != ']')
            i++;
        if (i == n || i == 1)
            return 0;
        i++;
        if (i < n && s[i] != ':')
            return 0;
        colon = i;
    } else {
        for (i = 0; i < n; i++) {
            if (s[i] == '[' || s[i] == ']')
                return 0;
            if (s[i] == ':') {
                if (colon != n)
                    return 0; /* a bare IPv6 address needs brackets */
                colon = i;
            }
        }
        if (colon == 0)
            return 0;
    }
    if (colon < n) {
        unsigned long port = 0;
        if (colon + 1 == n || n - colon - 1 > 5)
            return 0;
        for (i = colon + 1; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return 0;
            port = port * 10 + (unsigned long)(s[i] - '0');
        }
        if (!port || port > 65535)
            return 0;
    }
    return 1;
}

int bitsdo_cachehost_entry(const bitsdo_wchar *list, size_t index, bitsdo_wchar *out, size_t cap)
{
    const bitsdo_wchar *p = list;

    if (!list || !out || !cap)
        return 0;
    while (*p) {
        const bitsdo_wchar *start, *end, *next;

        while (*p == ' ' || *p == '\t')
            p++;
        start = p;
        while (*p && *p != ',')
            p++;
        next = *p ? p + 1 : p;
        end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        p = next;
        if (!valid_entry(start, (size_t)(end - start)))
            continue;
        if (index--)
            continue;
        if ((size_t)(end - start) + 1 > cap)
            return 0;
        memcpy(out, start, (size_t)(end - start) * sizeof(*out));
        out[end - start] = 0;
        return 1;
    }
    return 0;
}

static void put(bitsdo_wchar **o, const bitsdo_wchar *s, size_t n)
{
    memcpy(*o, s, n * sizeof(**o));
    *o += n;
}

static void put_ascii(bitsdo_wchar **o, const char *s)
{
    while (*s)
        *(*o)++ = (bitsdo_wchar)(unsigned char)*s++;
}

bitsdo_wchar *bitsdo_cachehost_url(const bitsdo_wchar *host, const bitsdo_wchar *origin)
{
    static const char param[] = "cacheHostOrigin=";
    const bitsdo_wchar *auth, *auth_end, *at, *rest, *rest_end, *q;
    size_t host_len, len;
    bitsdo_wchar *url, *o;

    if (!host || !origin || !valid_entry(host, bitsdo_wcslen(host)))
        return NULL;
    if (bitsdo_wcs_istarts(origin, "http://"))
        auth = origin + 7;
    else if (bitsdo_wcs_istarts(origin, "https://"))
        auth = origin + 8;
    else
        return NULL;
    for (auth_end = auth; *auth_end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#'; auth_end++)
        ;
    /* user information never goes to the cache */
    for (at = auth_end; at > auth; at--)
        if (at[-1] == '@') {
            auth = at;
            break;
        }
    if (auth == auth_end)
        return NULL;
    for (q = auth; q < auth_end; q++)
        if (*q <= ' ' || *q == '&' || *q == '#' || *q == '%' || *q == '\\')
            return NULL;
    rest = auth_end;
    for (rest_end = rest; *rest_end && *rest_end != '#'; rest_end++)
        if (*rest_end < ' ' || *rest_end == 0x7f)
            return NULL; /* nothing that could end the request line */
    for (q = rest; q < rest_end && *q != '?'; q++)
        ;
    host_len = bitsdo_wcslen(host);
    len = 7 + host_len + 1 + (size_t)(rest_end - rest) + 1 + sizeof(param) + (size_t)(auth_end - auth) + 1;
    if (!(url = malloc(len * sizeof(*url))))
        return NULL;
    o = url;
    put_ascii(&o, "http://");
    put(&o, host, host_len);
    if (rest == rest_end || *rest == '?')
        *o++ = '/';
    put(&o, rest, (size_t)(rest_end - rest));
    if (q == rest_end)
        *o++ = '?';
    else if (rest_end[-1] != '?' && rest_end[-1] != '&')
        *o++ = '&';
    put_ascii(&o, param);
    put(&o, auth, (size_t)(auth_end - auth));
    *o = 0;
    return url;
}
