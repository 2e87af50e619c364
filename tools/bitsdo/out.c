/*
 * out.c - output of the bitsdo client: UTF-8 text to a console or a pipe,
 * a small JSON writer and the human units (sizes, rates, durations, times).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* buffers                                                              */
/* ------------------------------------------------------------------ */

static void buf_reserve(cli_buf *b, size_t extra)
{
    size_t want = b->len + extra + 1;
    size_t cap;
    char *data;

    if (want <= b->cap)
        return;
    cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap *= 2;
    if (!(data = realloc(b->data, cap))) {
        fputs("bitsdo: out of memory\n", stderr);
        exit(CLI_EXIT_FAILED);
    }
    b->data = data;
    b->cap = cap;
}

void cli_buf_free(cli_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void cli_buf_putn(cli_buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void cli_buf_puts(cli_buf *b, const char *s)
{
    cli_buf_putn(b, s, strlen(s));
}

void cli_buf_putc(cli_buf *b, char c)
{
    cli_buf_putn(b, &c, 1);
}

void cli_buf_putw(cli_buf *b, const WCHAR *w)
{
    int n;

    if (!w || !*w)
        return;
    n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 1)
        return;
    buf_reserve(b, (size_t)n);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, b->data + b->len, n, NULL, NULL);
    b->len += (size_t)n - 1;
}

void cli_buf_vprintf(cli_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n <= 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void cli_buf_printf(cli_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *cli_utf8(const WCHAR *w)
{
    cli_buf b = {0};

    if (!w)
        return NULL;
    cli_buf_putw(&b, w);
    if (!b.data)
        cli_buf_puts(&b, "");
    return b.data;
}

const char *cli_u8(const WCHAR *w)
{
    static char *ring[16];
    static unsigned next;
    char **slot = &ring[next++ % 16];

    free(*slot);
    *slot = cli_utf8(w ? w : L"");
    return *slot ? *slot : "";
}

WCHAR *cli_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    WCHAR *w;

    if (n <= 0)
        n = 1;
    if (!(w = calloc((size_t)n, sizeof(WCHAR)))) {
        fputs("bitsdo: out of memory\n", stderr);
        exit(CLI_EXIT_FAILED);
    }
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

/* ------------------------------------------------------------------ */
/* writing                                                              */
/* ------------------------------------------------------------------ */

static HANDLE std_handle(int stream)
{
    return GetStdHandle(stream == CLI_STDERR ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
}

BOOL cli_is_console(int stream)
{
    DWORD mode;
    HANDLE h = std_handle(stream);

    return h && h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}

int cli_console_width(int stream)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    int width;

    if (!GetConsoleScreenBufferInfo(std_handle(stream), &info))
        return 80;
    width = info.srWindow.Right - info.srWindow.Left + 1;
    if (width < 20)
        width = info.dwSize.X;
    return width >= 20 ? width : 80;
}

void cli_write(int stream, const char *utf8, size_t len)
{
    HANDLE h = std_handle(stream);
    DWORD done;

    if (!h || h == INVALID_HANDLE_VALUE || !len)
        return;
    if (cli_is_console(stream)) {
        /* A console takes UTF-16 whatever its code page is. */
        int n = MultiByteToWideChar(CP_UTF8, 0, utf8, (int)len, NULL, 0);
        WCHAR *w = n > 0 ? malloc((size_t)n * sizeof(WCHAR)) : NULL;

        if (w) {
            const WCHAR *p = w;

            MultiByteToWideChar(CP_UTF8, 0, utf8, (int)len, w, n);
            while (n > 0 && WriteConsoleW(h, p, (DWORD)n, &done, NULL) && done) {
                p += done;
                n -= (int)done;
            }
            free(w);
            return;
        }
    }
    while (len > 0 && WriteFile(h, utf8, (DWORD)(len > 65536 ? 65536 : len), &done, NULL) && done) {
        utf8 += done;
        len -= done;
    }
}

void cli_print(int stream, const char *fmt, ...)
{
    cli_buf b = {0};
    va_list ap;

    va_start(ap, fmt);
    cli_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.len)
        cli_write(stream, b.data, b.len);
    cli_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */
/* ------------------------------------------------------------------ */

static void json_string(cli_buf *b, const char *s)
{
    const unsigned char *p;

    cli_buf_putc(b, '"');
    for (p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            cli_buf_puts(b, "\\\"");
            break;
        case '\\':
            cli_buf_puts(b, "\\\\");
            break;
        case '\n':
            cli_buf_puts(b, "\\n");
            break;
        case '\r':
            cli_buf_puts(b, "\\r");
            break;
        case '\t':
            cli_buf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                cli_buf_printf(b, "\\u%04x", *p);
            else
                cli_buf_putc(b, (char)*p);
        }
    }
    cli_buf_putc(b, '"');
}

static void json_key(cli_json *j, const char *key)
{
    if (j->comma[j->depth])
        cli_buf_putc(&j->buf, ',');
    j->comma[j->depth] = TRUE;
    if (key) {
        json_string(&j->buf, key);
        cli_buf_putc(&j->buf, ':');
    }
}

static void json_open(cli_json *j, const char *key, char bracket)
{
    json_key(j, key);
    cli_buf_putc(&j->buf, bracket);
    if (j->depth + 1 < CLI_JSON_MAX_DEPTH)
        j->depth++;
    j->comma[j->depth] = FALSE;
    j->closer[j->depth] = bracket == '[' ? ']' : '}';
}

static void json_close(cli_json *j)
{
    if (j->depth == 0)
        return;
    cli_buf_putc(&j->buf, j->closer[j->depth]);
    j->depth--;
}

void cli_json_init(cli_json *j)
{
    memset(j, 0, sizeof(*j));
    cli_buf_putc(&j->buf, '{');
}

void cli_json_obj_begin(cli_json *j, const char *key)
{
    json_open(j, key, '{');
}

void cli_json_obj_end(cli_json *j)
{
    json_close(j);
}

void cli_json_arr_begin(cli_json *j, const char *key)
{
    json_open(j, key, '[');
}

void cli_json_arr_end(cli_json *j)
{
    json_close(j);
}

void cli_json_str(cli_json *j, const char *key, const char *utf8)
{
    json_key(j, key);
    if (utf8)
        json_string(&j->buf, utf8);
    else
        cli_buf_puts(&j->buf, "null");
}

void cli_json_wstr(cli_json *j, const char *key, const WCHAR *w)
{
    char *s = cli_utf8(w);

    cli_json_str(j, key, s);
    free(s);
}

void cli_json_u64(cli_json *j, const char *key, UINT64 v)
{
    json_key(j, key);
    cli_buf_printf(&j->buf, "%llu", (unsigned long long)v);
}

void cli_json_int(cli_json *j, const char *key, long long v)
{
    json_key(j, key);
    cli_buf_printf(&j->buf, "%lld", v);
}

void cli_json_num(cli_json *j, const char *key, double v)
{
    json_key(j, key);
    if (isfinite(v))
        cli_buf_printf(&j->buf, "%.3f", v);
    else
        cli_buf_puts(&j->buf, "null");
}

void cli_json_bool(cli_json *j, const char *key, BOOL v)
{
    json_key(j, key);
    cli_buf_puts(&j->buf, v ? "true" : "false");
}

void cli_json_null(cli_json *j, const char *key)
{
    json_key(j, key);
    cli_buf_puts(&j->buf, "null");
}

void cli_json_hr(cli_json *j, const char *key, HRESULT hr)
{
    char text[16];

    snprintf(text, sizeof(text), "0x%08lx", (unsigned long)hr);
    cli_json_str(j, key, text);
}

void cli_json_emit(cli_json *j)
{
    while (j->depth > 0)
        json_close(j);
    cli_buf_puts(&j->buf, "}\n");
    cli_write(CLI_STDOUT, j->buf.data, j->buf.len);
    cli_json_free(j);
}

void cli_json_free(cli_json *j)
{
    cli_buf_free(&j->buf);
    j->depth = 0;
}

/* ------------------------------------------------------------------ */
/* human units                                                          */
/* ------------------------------------------------------------------ */

static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

void cli_fmt_bytes(char *buf, size_t size, UINT64 n)
{
    double v = (double)n;
    int unit = 0;

    if (n < 1024) {
        snprintf(buf, size, "%llu B", (unsigned long long)n);
        return;
    }
    while (v >= 1024.0 && unit < 5) {
        v /= 1024.0;
        unit++;
    }
    snprintf(buf, size, v < 10.0 ? "%.2f %s" : v < 100.0 ? "%.1f %s" : "%.0f %s", v, units[unit]);
}

void cli_fmt_rate(char *buf, size_t size, double bytes_per_second)
{
    char bytes[32];

    if (!isfinite(bytes_per_second) || bytes_per_second < 0) {
        snprintf(buf, size, "-- B/s");
        return;
    }
    cli_fmt_bytes(bytes, sizeof(bytes), (UINT64)(bytes_per_second + 0.5));
    snprintf(buf, size, "%s/s", bytes);
}

void cli_fmt_duration(char *buf, size_t size, double seconds)
{
    unsigned long long s;

    if (!isfinite(seconds) || seconds < 0 || seconds > 360000000.0) {
        snprintf(buf, size, "--:--");
        return;
    }
    s = (unsigned long long)ceil(seconds);
    if (s >= 86400)
        snprintf(buf, size, "%llud%02lluh", s / 86400, (s % 86400) / 3600);
    else if (s >= 3600)
        snprintf(buf, size, "%llu:%02llu:%02llu", s / 3600, (s % 3600) / 60, s % 60);
    else
        snprintf(buf, size, "%llu:%02llu", s / 60, s % 60);
}

static BOOL is_zero_time(const FILETIME *ft)
{
    return !ft->dwLowDateTime && !ft->dwHighDateTime;
}

BOOL cli_fmt_time_local(char *buf, size_t size, const FILETIME *ft)
{
    SYSTEMTIME utc, local;

    if (is_zero_time(ft) || !FileTimeToSystemTime(ft, &utc)) {
        snprintf(buf, size, "-");
        return FALSE;
    }
    if (!SystemTimeToTzSpecificLocalTime(NULL, &utc, &local))
        local = utc;
    snprintf(buf, size, "%04u-%02u-%02u %02u:%02u:%02u", local.wYear, local.wMonth, local.wDay,
             local.wHour, local.wMinute, local.wSecond);
    return TRUE;
}

BOOL cli_fmt_time_iso(char *buf, size_t size, const FILETIME *ft)
{
    SYSTEMTIME utc;

    if (is_zero_time(ft) || !FileTimeToSystemTime(ft, &utc)) {
        if (size)
            buf[0] = 0;
        return FALSE;
    }
    snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", utc.wYear, utc.wMonth, utc.wDay,
             utc.wHour, utc.wMinute, utc.wSecond, utc.wMilliseconds);
    return TRUE;
}

void cli_fmt_guid(WCHAR *buf, size_t count, const GUID *id)
{
    if (!StringFromGUID2(id, buf, (int)count) && count)
        buf[0] = 0;
}
