/* Remote and local file names: classification, validation, file:// URLs.
 *
 * Rules (from the BG_FILE_INFO documentation, plus the Win32 naming rules):
 *   - remote names: http:// and https:// URLs with a host, file:// URLs,
 *     UNC paths and drive-absolute paths; at most 2,200 characters; no
 *     control characters; each URL path segment at most MAX_PATH (260);
 *   - paths (local names, and remote UNC/drive paths): a drive root
 *     ("X:\") or a UNC root ("\\server\share\") followed by at least one
 *     name; no device namespace ("\\?\", "\\.\"), no stream (':' beyond the
 *     drive), no wildcard ('*', '?', and the DOS wildcards '<', '>', '"'),
 *     no '|' or control character, no component made only of dots and
 *     spaces ("." and ".." included), no component longer than 255, no
 *     reserved device name (CON, NUL, COM1, ...), no trailing separator.
 *   '\' and '/' both separate components, as in Win32. Doubled separators
 *   inside a path are tolerated (Win32 collapses them).
 */
#include "names.h"
#include "wstr.h"

#define BITSDO__MAX_COMPONENT   255
#define BITSDO__MAX_URL_SEGMENT 260

static int bitsdo__is_sep(bitsdo_wchar c)
{
    return c == '\\' || c == '/';
}

static int bitsdo__is_alpha(bitsdo_wchar c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int bitsdo__is_digit(bitsdo_wchar c)
{
    return c >= '0' && c <= '9';
}

static int bitsdo__hex(bitsdo_wchar c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bitsdo_wchar bitsdo__upper(bitsdo_wchar c)
{
    return (c >= 'a' && c <= 'z') ? (bitsdo_wchar)(c - ('a' - 'A')) : c;
}

/* Case-insensitive comparison of s[0..len) with an ASCII word. */
static int bitsdo__ieq(const bitsdo_wchar *s, size_t len, const char *word)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (!word[i] || bitsdo__upper(s[i]) != bitsdo__upper((bitsdo_wchar)(unsigned char)word[i]))
            return 0;
    }
    return word[len] == 0;
}

/* CON, PRN, AUX, NUL, COM1-9, LPT1-9, CONIN$, CONOUT$ as the part before
 * the first dot (trailing spaces ignored), any case. */
static int bitsdo__is_device_name(const bitsdo_wchar *c, size_t len)
{
    static const char *const plain[] = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"};
    size_t base = 0, i;

    while (base < len && c[base] != '.')
        base++;
    while (base > 0 && c[base - 1] == ' ')
        base--;
    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        if (bitsdo__ieq(c, base, plain[i]))
            return 1;
    }
    if (base == 4 && (bitsdo__ieq(c, 3, "COM") || bitsdo__ieq(c, 3, "LPT")) && c[3] >= '1' && c[3] <= '9')
        return 1;
    return 0;
}

/* Checks one path component c[0..len), len > 0. */
static int bitsdo__component_ok(const bitsdo_wchar *c, size_t len)
{
    size_t i;
    int only_dots = 1;

    if (len > BITSDO__MAX_COMPONENT)
        return 0;
    for (i = 0; i < len; i++) {
        bitsdo_wchar ch = c[i];

        if (ch < 0x20 || ch == 0x7F)
            return 0;
        switch (ch) {
        case ':':
        case '*':
        case '?':
        case '<':
        case '>':
        case '"':
        case '|':
            return 0;
        default:
            break;
        }
        if (ch != '.' && ch != ' ')
            only_dots = 0;
    }
    if (only_dots)
        return 0;
    return !bitsdo__is_device_name(c, len);
}

/* Length of the root of a path: 3 for "X:\", the length of "\\server\share\"
 * for UNC, 0 if the name has neither root (or a device-namespace one). */
static size_t bitsdo__root_len(const bitsdo_wchar *name)
{
    size_t i, start;

    if (bitsdo__is_alpha(name[0]) && name[1] == ':' && bitsdo__is_sep(name[2]))
        return 3;
    if (!bitsdo__is_sep(name[0]) || !bitsdo__is_sep(name[1]))
        return 0;
    /* server */
    start = i = 2;
    while (name[i] && !bitsdo__is_sep(name[i]))
        i++;
    if (i == start || !name[i])
        return 0;
    /* "\\?\..." and "\\.\..." are device paths, not shares */
    if (i - start == 1 && (name[start] == '?' || name[start] == '.'))
        return 0;
    if (!bitsdo__component_ok(name + start, i - start))
        return 0;
    /* share */
    start = ++i;
    while (name[i] && !bitsdo__is_sep(name[i]))
        i++;
    if (i == start || !name[i])
        return 0;
    if (!bitsdo__component_ok(name + start, i - start))
        return 0;
    return i + 1;
}

/* Validates a drive or UNC path of at most max_len characters. */
static bitsdo_hr bitsdo__path_validate(const bitsdo_wchar *name, size_t max_len)
{
    size_t len, root, i, start;

    if (!name)
        return BITSDO_E_INVALIDARG;
    len = bitsdo_wcslen(name);
    if (!len || len > max_len)
        return BITSDO_E_INVALIDARG;
    root = bitsdo__root_len(name);
    if (!root || root >= len || bitsdo__is_sep(name[len - 1]))
        return BITSDO_E_INVALIDARG;
    i = root;
    while (i < len) {
        start = i;
        while (i < len && !bitsdo__is_sep(name[i]))
            i++;
        if (i > start && !bitsdo__component_ok(name + start, i - start))
            return BITSDO_E_INVALIDARG;
        i++; /* past the separator (or the end) */
    }
    return BITSDO_S_OK;
}

/* http(s): authority [userinfo@]host[:port], then path, query, fragment. */
static bitsdo_hr bitsdo__http_validate(const bitsdo_wchar *url, size_t scheme_len)
{
    const bitsdo_wchar *auth = url + scheme_len, *end, *host, *p;
    size_t seg;

    end = auth;
    while (*end && *end != '/' && *end != '?' && *end != '#')
        end++;
    host = auth;
    for (p = auth; p < end; p++) {
        if (*p == '\\')
            return BITSDO_E_INVALIDARG;
        if (*p == '@')
            host = p + 1;
    }
    if (host == end)
        return BITSDO_E_INVALIDARG;
    p = host;
    if (*p == '[') {
        /* IPv6 literal: hex digits, ':' and '.', optionally a %zone */
        p++;
        if (*p == ']')
            return BITSDO_E_INVALIDARG;
        while (p < end && *p != ']') {
            if (bitsdo__hex(*p) < 0 && *p != ':' && *p != '.' && *p != '%' && !bitsdo__is_alpha(*p))
                return BITSDO_E_INVALIDARG;
            p++;
        }
        if (p == end)
            return BITSDO_E_INVALIDARG;
        p++;
    } else {
        const bitsdo_wchar *h = p;

        while (p < end && *p != ':') {
            bitsdo_wchar c = *p;
            if (!(bitsdo__is_alpha(c) || bitsdo__is_digit(c) || c == '-' || c == '.' || c == '_' ||
                  c == '~' || c == '%' || c >= 0x80))
                return BITSDO_E_INVALIDARG;
            p++;
        }
        if (p == h)
            return BITSDO_E_INVALIDARG;
    }
    if (p < end) {
        uint32_t port = 0;
        size_t digits = 0;

        if (*p != ':')
            return BITSDO_E_INVALIDARG;
        for (p++; p < end; p++, digits++) {
            if (!bitsdo__is_digit(*p) || digits >= 5)
                return BITSDO_E_INVALIDARG;
            port = port * 10 + (uint32_t)(*p - '0');
        }
        /* "host:" means the default port; otherwise 1..65535 */
        if (digits && (port == 0 || port > 65535))
            return BITSDO_E_INVALIDARG;
    }
    /* Path segments up to the query or fragment: at most MAX_PATH each. */
    seg = 0;
    for (p = end; *p && *p != '?' && *p != '#'; p++) {
        if (*p == '/')
            seg = 0;
        else if (++seg > BITSDO__MAX_URL_SEGMENT)
            return BITSDO_E_INVALIDARG;
    }
    return BITSDO_S_OK;
}

bitsdo_hr bitsdo_remote_classify(const bitsdo_wchar *name, bitsdo_remote_kind *kind)
{
    bitsdo_remote_kind k = BITSDO_REMOTE_INVALID;
    bitsdo_hr hr;
    size_t len, i;

    if (kind)
        *kind = BITSDO_REMOTE_INVALID;
    if (!name || !kind)
        return BITSDO_E_INVALIDARG;
    len = bitsdo_wcslen(name);
    if (!len || len > BITSDO_MAX_REMOTE_NAME)
        return BITSDO_E_INVALIDARG;
    for (i = 0; i < len; i++) {
        if (name[i] < 0x20 || name[i] == 0x7F)
            return BITSDO_E_INVALIDARG;
    }

    if (bitsdo_wcs_istarts(name, "http://")) {
        hr = bitsdo__http_validate(name, 7);
        k = BITSDO_REMOTE_HTTP;
    } else if (bitsdo_wcs_istarts(name, "https://")) {
        hr = bitsdo__http_validate(name, 8);
        k = BITSDO_REMOTE_HTTPS;
    } else if (bitsdo_wcs_istarts(name, "file:")) {
        bitsdo_wchar path[BITSDO_MAX_REMOTE_NAME + 1];

        hr = bitsdo_file_url_to_path(name, path, sizeof(path) / sizeof(path[0]));
        if (!BITSDO_FAILED(hr))
            hr = bitsdo__path_validate(path, BITSDO_MAX_REMOTE_NAME);
        k = BITSDO_REMOTE_FILE_URL;
    } else if (bitsdo__is_sep(name[0]) && bitsdo__is_sep(name[1])) {
        hr = bitsdo__path_validate(name, BITSDO_MAX_REMOTE_NAME);
        k = BITSDO_REMOTE_UNC;
    } else if (bitsdo__is_alpha(name[0]) && name[1] == ':' && bitsdo__is_sep(name[2])) {
        hr = bitsdo__path_validate(name, BITSDO_MAX_REMOTE_NAME);
        k = BITSDO_REMOTE_PATH;
    } else
        hr = BITSDO_E_INVALIDARG;

    if (BITSDO_FAILED(hr))
        return BITSDO_E_INVALIDARG;
    *kind = k;
    return BITSDO_S_OK;
}

bitsdo_hr bitsdo_local_validate(const bitsdo_wchar *name)
{
    return bitsdo__path_validate(name, BITSDO_MAX_LOCAL_NAME);
}

/* Appends one code unit to out (room for cap, the terminator included). */
static int bitsdo__put(bitsdo_wchar *out, size_t cap, size_t *o, bitsdo_wchar c)
{
    if (*o + 1 >= cap)
        return 0;
    out[(*o)++] = c;
    return 1;
}

/* Reads "%XX" at s into *byte. */
static int bitsdo__escape(const bitsdo_wchar *s, unsigned char *byte)
{
    int hi, lo;

    if (s[0] != '%')
        return 0;
    hi = bitsdo__hex(s[1]);
    if (hi < 0)
        return 0;
    lo = bitsdo__hex(s[2]);
    if (lo < 0)
        return 0;
    *byte = (unsigned char)(hi << 4 | lo);
    return 1;
}

/* Percent-decodes src (UTF-8 escapes) into out at *o, '/' becoming '\'. */
static bitsdo_hr bitsdo__decode_path(const bitsdo_wchar *src, bitsdo_wchar *out, size_t cap, size_t *o)
{
    while (*src) {
        bitsdo_wchar c = *src;

        if (c == '?' || c == '#')
            return BITSDO_E_INVALIDARG; /* no query or fragment in a path */
        if (c == '%') {
            unsigned char bytes[4];
            size_t n, i;
            uint32_t cp;

            if (!bitsdo__escape(src, &bytes[0]))
                return BITSDO_E_INVALIDARG;
            if (bytes[0] < 0x80)
                n = 1;
            else if (bytes[0] >= 0xC2 && bytes[0] <= 0xDF)
                n = 2;
            else if (bytes[0] >= 0xE0 && bytes[0] <= 0xEF)
                n = 3;
            else if (bytes[0] >= 0xF0 && bytes[0] <= 0xF4)
                n = 4;
            else
                return BITSDO_E_INVALIDARG;
            for (i = 1; i < n; i++) {
                if (!bitsdo__escape(src + 3 * i, &bytes[i]))
                    return BITSDO_E_INVALIDARG;
            }
            if (bitsdo_utf8_decode(bytes, n, &cp) != n)
                return BITSDO_E_INVALIDARG;
            if (cp < 0x20 || cp == 0x7F)
                return BITSDO_E_INVALIDARG; /* %00 and other controls */
            if (cp >= 0x10000) {
                cp -= 0x10000;
                if (!bitsdo__put(out, cap, o, (bitsdo_wchar)(0xD800 | (cp >> 10))) ||
                    !bitsdo__put(out, cap, o, (bitsdo_wchar)(0xDC00 | (cp & 0x3FF))))
                    return BITSDO_E_INVALIDARG;
            } else if (!bitsdo__put(out, cap, o, (bitsdo_wchar)cp))
                return BITSDO_E_INVALIDARG;
            src += 3 * n;
            continue;
        }
        if (c < 0x20 || c == 0x7F)
            return BITSDO_E_INVALIDARG;
        if (!bitsdo__put(out, cap, o, c == '/' ? '\\' : c))
            return BITSDO_E_INVALIDARG;
        src++;
    }
    return BITSDO_S_OK;
}

/* Copies a path glued to the scheme literally, '/' becoming '\\'. */
static bitsdo_hr bitsdo__copy_path(const bitsdo_wchar *src, bitsdo_wchar *out, size_t cap, size_t *o)
{
    for (; *src; src++) {
        if (*src < 0x20 || *src == 0x7F)
            return BITSDO_E_INVALIDARG;
        if (!bitsdo__put(out, cap, o, *src == '/' ? '\\' : *src))
            return BITSDO_E_INVALIDARG;
    }
    return BITSDO_S_OK;
}

static int bitsdo__is_drive(const bitsdo_wchar *s)
{
    return bitsdo__is_alpha(s[0]) && s[1] == ':' && bitsdo__is_sep(s[2]);
}

static int bitsdo__has_backslash(const bitsdo_wchar *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            return 1;
    }
    return 0;
}

bitsdo_hr bitsdo_file_url_to_path(const bitsdo_wchar *url, bitsdo_wchar *out, size_t cap)
{
    const bitsdo_wchar *rest, *p;
    size_t o = 0;
    bitsdo_hr hr;

    if (!url || !out || !cap)
        return BITSDO_E_INVALIDARG;
    out[0] = 0;
    if (!bitsdo_wcs_istarts(url, "file://"))
        return BITSDO_E_INVALIDARG;
    rest = url + 7;

    /* file://localhost/X:/... is file:///X:/... */
    if (bitsdo_wcs_istarts(rest, "localhost/"))
        rest += 9;

    if (bitsdo__is_drive(rest)) {
        /* file://X:\path or file://X:/path: a drive path glued to the scheme */
    } else if (rest[0] == '/' && bitsdo__is_drive(rest + 1)) {
        /* file:///X:/path */
        rest++;
    } else if (bitsdo__is_sep(rest[0]) && bitsdo__is_sep(rest[1])) {
        /* file:////server/share/path, file://///server/share/path and
         * file://\\server\share\path: a UNC path after the scheme */
        if (rest[0] == '/' && rest[1] == '/' && rest[2] == '/')
            rest++;
        if (!bitsdo__put(out, cap, &o, '\\') || !bitsdo__put(out, cap, &o, '\\'))
            goto fail;
        rest += 2;
        if (bitsdo__is_sep(rest[0]))
            goto fail;
    } else if (rest[0] == '/') {
        goto fail; /* file:///dir/x: no drive */
    } else {
        /* file://server/share/path -> \\server\share\path */
        for (p = rest; *p && *p != '/'; p++)
            ;
        if (p == rest || !*p)
            return BITSDO_E_INVALIDARG;
        if (!bitsdo__put(out, cap, &o, '\\') || !bitsdo__put(out, cap, &o, '\\'))
            goto fail;
    }
    /* A name with a backslash is a Windows path written after "file://"
     * (BITS and Wine's qmgr take those as they are): copied without
     * percent-decoding, so "100%25.txt" stays a file name. Anything else is a
     * URL and is decoded. */
    if (bitsdo__has_backslash(rest))
        hr = bitsdo__copy_path(rest, out, cap, &o);
    else
        hr = bitsdo__decode_path(rest, out, cap, &o);
    if (BITSDO_FAILED(hr))
        goto fail;
    out[o] = 0;
    return BITSDO_S_OK;

fail:
    out[0] = 0;
    return BITSDO_E_INVALIDARG;
}

size_t bitsdo_local_dir_len(const bitsdo_wchar *name)
{
    size_t len, root, i;

    if (!name)
        return 0;
    len = bitsdo_wcslen(name);
    root = bitsdo__root_len(name);
    for (i = len; i > 0; i--) {
        if (bitsdo__is_sep(name[i - 1]))
            break;
    }
    if (!i)
        return 0;
    /* i - 1 is the last separator; a root keeps its separator. */
    if (root && i <= root)
        return root;
    return i - 1;
}
