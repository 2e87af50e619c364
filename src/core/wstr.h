/* Small UTF-16 string helpers for the portable core. */
#ifndef BITSDO_CORE_WSTR_H
#define BITSDO_CORE_WSTR_H

#include "types.h"

/* Code units before the terminator; 0 for NULL. */
size_t bitsdo_wcslen(const bitsdo_wchar *s);
/* malloc'ed copy, NULL on out of memory or s == NULL. */
bitsdo_wchar *bitsdo_wcsdup(const bitsdo_wchar *s);
/* Compares code unit by code unit: <0, 0, >0. NULL sorts before any string. */
int bitsdo_wcscmp(const bitsdo_wchar *a, const bitsdo_wchar *b);
/* ASCII case-insensitive prefix test: 1 if s starts with prefix. */
int bitsdo_wcs_istarts(const bitsdo_wchar *s, const char *ascii_prefix);
/* 1 if s holds a CR or an LF: a line break that would end an HTTP header
 * line or request line. 0 for NULL. */
int bitsdo_wcs_has_line_break(const bitsdo_wchar *s);
/* 1 if s holds a C0 control character (CR, LF, TAB, ...) or DEL. */
int bitsdo_wcs_has_control(const bitsdo_wchar *s);
/* malloc'ed UTF-16 copy of an ASCII/UTF-8 string (UTF-8 decoded; each
 * invalid byte becomes U+FFFD). NULL on out of memory or s == NULL. */
bitsdo_wchar *bitsdo_wcs_from_utf8(const char *s);
/* malloc'ed UTF-8 copy of the first n code units of s, NUL-terminated; a
 * lone surrogate becomes U+FFFD (as WideCharToMultiByte does). n may be 0
 * (an empty string). NULL on out of memory or s == NULL. */
char *bitsdo_utf8_from_wcs(const bitsdo_wchar *s, size_t n);
/* Decodes one UTF-8 sequence from the len bytes at s into *cp. Returns the
 * bytes used (1..4), or 0 if the sequence is invalid: overlong, a
 * surrogate, above U+10FFFF, a stray continuation byte or truncated. */
size_t bitsdo_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

#endif
