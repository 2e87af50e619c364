/* Small UTF-16 string helpers. */
#include <stdlib.h>
#include <string.h>

#include "wstr.h"

size_t bitsdo_wcslen(const bitsdo_wchar *s)
{
    size_t n = 0;

    if (!s)
        return 0;
    while (s[n])
        n++;
    return n;
}

bitsdo_wchar *bitsdo_wcsdup(const bitsdo_wchar *s)
{
    size_t n;
    bitsdo_wchar *copy;

    if (!s)
        return NULL;
    n = bitsdo_wcslen(s) + 1;
    copy = malloc(n * sizeof(*copy));
    if (copy)
        memcpy(copy, s, n * sizeof(*copy));
    return copy;
}

int bitsdo_wcs_has_line_break(const bitsdo_wchar *s)
{
    for (; s && *s; s++)
        if (*s == '\r' || *s == '\n')
            return 1;
    return 0;
}

int bitsdo_wcs_has_control(const bitsdo_wchar *s)
{
    for (; s && *s; s++)
        if (*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int bitsdo_wcscmp(const bitsdo_wchar *a, const bitsdo_wchar *b)
{
    if (a == b)
        return 0;
    if (!a)
        return -1;
    if (!b)
        return 1;
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (*a > *b) - (*a < *b);
}

static bitsdo_wchar bitsdo__ascii_lower(bitsdo_wchar c)
{
    return (c >= 'A' && c <= 'Z') ? (bitsdo_wchar)(c + ('a' - 'A')) : c;
}

int bitsdo_wcs_istarts(const bitsdo_wchar *s, const char *ascii_prefix)
{
    if (!s || !ascii_prefix)
        return 0;
    for (; *ascii_prefix; ascii_prefix++, s++) {
        bitsdo_wchar p = (bitsdo_wchar)(unsigned char)*ascii_prefix;
        if (!*s || bitsdo__ascii_lower(*s) != bitsdo__ascii_lower(p))
            return 0;
    }
    return 1;
}

/* Decodes one UTF-8 sequence at s (at most len bytes). Returns the number
 * of bytes used, or 0 for an invalid sequence (overlong, surrogate, beyond
 * U+10FFFF, truncated). */
static size_t bitsdo__utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    uint32_t c, min;
    size_t n, i;

    if (!len)
        return 0;
    c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        c &= 0x07;
        min = 0x10000;
    } else
        return 0;
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

size_t bitsdo_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    if (!s || !cp)
        return 0;
    return bitsdo__utf8_decode(s, len, cp);
}

bitsdo_wchar *bitsdo_wcs_from_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len, i = 0, o = 0;
    bitsdo_wchar *out;

    if (!s)
        return NULL;
    len = strlen(s);
    /* Every byte yields at most one code unit, a 4-byte sequence two. */
    out = malloc((len + 1) * sizeof(*out));
    if (!out)
        return NULL;
    while (i < len) {
        uint32_t cp;
        size_t n = bitsdo__utf8_decode(p + i, len - i, &cp);

        if (!n) {
            out[o++] = 0xFFFD; /* invalid byte: replacement character */
            i++;
            continue;
        }
        i += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out[o++] = (bitsdo_wchar)(0xD800 | (cp >> 10));
            out[o++] = (bitsdo_wchar)(0xDC00 | (cp & 0x3FF));
        } else
            out[o++] = (bitsdo_wchar)cp;
    }
    out[o] = 0;
    return out;
}

char *bitsdo_utf8_from_wcs(const bitsdo_wchar *s, size_t n)
{
    size_t i, o = 0;
    char *out;

    if (!s)
        return NULL;
    /* Every code unit yields at most 3 bytes (a pair of two yields 4). */
    if (n > (SIZE_MAX - 1) / 3 || !(out = malloc(n * 3 + 1)))
        return NULL;
    for (i = 0; i < n; i++) {
        uint32_t cp = s[i];

        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00u);
            i++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD; /* a lone surrogate */
        }
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xC0 | cp >> 6);
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xE0 | cp >> 12);
            out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | cp >> 18);
            out[o++] = (char)(0x80 | (cp >> 12 & 0x3F));
            out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[o] = 0;
    return out;
}
