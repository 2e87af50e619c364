/* Tests for httpparse.c: response heads, Content-Length and Content-Range
 * rules, body framing, chunked framing fed in every split, and custom
 * request header lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "httpparse.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bitsdo_hr parse(const char *text, bitsdo_http_head *h)
{
    return bitsdo_http_head_parse(text, strlen(text), h);
}

static void test_head_valid(void **state)
{
    static const char text[] = "HTTP/1.1 206 Partial Content\r\n"
                               "Content-Length: 10\r\n"
                               "Content-Range: bytes 5-14/100\r\n"
                               "ETag: \"v1\"\r\n"
                               "ETag: \"v2\"\r\n"
                               "Last-Modified: Tue, 01 Dec 2026 10:00:00 GMT\r\n"
                               "location:  /next  \r\n"
                               "Accept-Ranges: None\r\n"
                               "WWW-Authenticate: Digest realm=\"a\", Basic realm=\"b\"\r\n"
                               "Connection: keep-alive\r\n"
                               "X-Empty:\r\n"
                               "\r\n"
                               "body bytes are not the head's";
    bitsdo_http_head h;
    const char *name, *value;
    int fields = 0;

    (void)state;
    assert_int_equal(bitsdo_http_head_parse(text, sizeof(text) - 1, &h), BITSDO_S_OK);
    assert_int_equal(h.minor, 1);
    assert_int_equal(h.status, 206);
    assert_true(h.has_length);
    assert_true(h.length == 10);
    assert_false(h.chunked);
    assert_true(h.has_range);
    assert_true(h.range_first == 5 && h.range_last == 14 && h.range_total == 100);
    assert_true(h.range_total_known);
    assert_false(h.range_unsatisfied);
    assert_string_equal(h.etag, "\"v1\""); /* the first one */
    assert_string_equal(h.last_modified, "Tue, 01 Dec 2026 10:00:00 GMT");
    assert_string_equal(h.location, "/next"); /* spaces around the value dropped */
    assert_true(h.accept_ranges_none);
    assert_true(h.www_basic);
    assert_true(h.keep_alive);
    assert_false(h.conn_close);
    assert_string_equal(bitsdo_http_head_field(&h, "content-range"), "bytes 5-14/100");
    assert_string_equal(bitsdo_http_head_field(&h, "X-EMPTY"), "");
    assert_null(bitsdo_http_head_field(&h, "Content"));
    for (name = NULL; (name = bitsdo_http_head_next(&h, name, &value));)
        fields++;
    assert_int_equal(fields, 10);
    bitsdo_http_head_free(&h);
    assert_null(h.raw);

    /* bare LF line ends, no reason phrase, HTTP/1.0 */
    assert_int_equal(parse("HTTP/1.0 204\n\n", &h), BITSDO_S_OK);
    assert_int_equal(h.minor, 0);
    assert_int_equal(h.status, 204);
    assert_false(h.has_length);
    bitsdo_http_head_free(&h);
    assert_int_equal(parse("HTTP/1.1 599 \t\xff \r\nA: b\n\r\n", &h), BITSDO_S_OK);
    assert_int_equal(h.status, 599);
    bitsdo_http_head_free(&h);
    /* a tab inside a value, bytes above 0x7f */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nX: a\tb \xc3\xa9\r\n\r\n", &h), BITSDO_S_OK);
    assert_string_equal(bitsdo_http_head_field(&h, "x"), "a\tb \xc3\xa9");
    bitsdo_http_head_free(&h);
}

static void test_head_invalid(void **state)
{
    static const char *const bad[] = {
        "",
        "\r\n",
        "HTTP/1.1 200 OK\r\n",         /* no empty line */
        "HTTP/1.1 200 OK\r\nA: b\r\n", /* no empty line */
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.x 200 OK\r\n\r\n",
        "HTTP/1.1 600 Nope\r\n\r\n",
        "HTTP/1.1 099 Nope\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 O\x01K\r\n\r\n",
        "HTTP/1.1 200 OK\x7f\r\n\r\n",
        "HTTP/1.1 200 OK\rX: y\r\n\r\n", /* a bare CR */
        "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", /* obsolete folding */
        "HTTP/1.1 200 OK\r\n\tX: a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad\"Name: a\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\x7fz\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551610\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 206 OK\r\nContent-Range: bytes 0-9/10\r\nContent-Range: bytes 0-9/10\r\n\r\n",
        "HTTP/1.1 206 OK\r\nContent-Range: bytes 5-4/10\r\n\r\n",
    };
    bitsdo_http_head h;
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(bad); i++) {
        memset(&h, 0x55, sizeof(h));
        if (parse(bad[i], &h) != BITSDO_HTTP_E_INVALID_RESPONSE)
            fail_msg("bad head %u was accepted: %s", (unsigned)i, bad[i]);
        assert_null(h.raw);
        assert_int_equal(h.status, 0);
    }
    /* a NUL anywhere */
    assert_int_equal(bitsdo_http_head_parse("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 26, &h),
                     BITSDO_HTTP_E_INVALID_RESPONSE);
    assert_int_equal(bitsdo_http_head_parse("HTTP/1.1 200 OK\r\n\r\n\0", 20, &h),
                     BITSDO_HTTP_E_INVALID_RESPONSE);
    /* the largest Content-Length taken (2^64 - 7); above is refused */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551609\r\n\r\n", &h),
                     BITSDO_S_OK);
    assert_true(h.length == UINT64_MAX - 6);
    bitsdo_http_head_free(&h);
}

static void test_content_length(void **state)
{
    bitsdo_http_head h;
    uint64_t n = 0;
    int seen = 0;

    (void)state;
    /* the same value repeated, in one field or in several */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 7 ,\t7,7\r\ncontent-length: 7\r\n\r\n", &h),
                     BITSDO_S_OK);
    assert_true(h.has_length && h.length == 7);
    bitsdo_http_head_free(&h);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n", &h), BITSDO_S_OK);
    assert_true(h.length == 7);
    bitsdo_http_head_free(&h);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &h), BITSDO_S_OK);
    assert_true(h.has_length && h.length == 0);
    bitsdo_http_head_free(&h);
    /* Transfer-Encoding wins over Content-Length, and the connection is not reused */
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: Chunked\r\n\r\n", &h),
                     BITSDO_S_OK);
    assert_true(h.chunked);
    assert_false(h.has_length);
    assert_true(h.conn_close);
    bitsdo_http_head_free(&h);

    assert_true(bitsdo_http_content_length("12", &n, &seen));
    assert_true(n == 12 && seen);
    assert_true(bitsdo_http_content_length(" 12 ", &n, &seen));
    assert_false(bitsdo_http_content_length("13", &n, &seen));
    seen = 0;
    assert_false(bitsdo_http_content_length("1 2", &n, &seen));
    assert_false(bitsdo_http_content_length(",1", &n, &seen));
}

static void test_content_range(void **state)
{
    static const struct {
        const char *value;
        int ok;
        uint64_t first, last, total;
        int total_known, unsatisfied;
    } cases[] = {
        {"bytes 0-9/10", 1, 0, 9, 10, 1, 0},
        {"BYTES 0-9/10", 1, 0, 9, 10, 1, 0},
        {"bytes   5-5/6", 1, 5, 5, 6, 1, 0},
        {"bytes 0-9/*", 1, 0, 9, 0, 0, 0},
        {"bytes */10", 1, 0, 0, 10, 1, 1},
        {"bytes 0-18446744073709551608/18446744073709551609", 1, 0, UINT64_MAX - 7, UINT64_MAX - 6, 1, 0},
        {"bytes */*", 0, 0, 0, 0, 0, 0},
        {"bytes 0-10/10", 0, 0, 0, 0, 0, 0},
        {"bytes 5-4/10", 0, 0, 0, 0, 0, 0},
        {"bytes=0-9/10", 0, 0, 0, 0, 0, 0},
        {"bytes0-9/10", 0, 0, 0, 0, 0, 0},
        {"items 0-9/10", 0, 0, 0, 0, 0, 0},
        {"bytes 0-9", 0, 0, 0, 0, 0, 0},
        {"bytes 0-9/", 0, 0, 0, 0, 0, 0},
        {"bytes -9/10", 0, 0, 0, 0, 0, 0},
        {"bytes 0-/10", 0, 0, 0, 0, 0, 0},
        {"bytes 0 - 9/10", 0, 0, 0, 0, 0, 0},
        {"bytes 0-9/10 ", 0, 0, 0, 0, 0, 0},
        {"bytes 0-9/1x", 0, 0, 0, 0, 0, 0},
        {"bytes 0x1-9/10", 0, 0, 0, 0, 0, 0},
        {"bytes */10/10", 0, 0, 0, 0, 0, 0},
        {"bytes *-9/10", 0, 0, 0, 0, 0, 0},
        {"bytes 0-99999999999999999999/*", 0, 0, 0, 0, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++) {
        bitsdo_http_head h;
        int ok;

        memset(&h, 0, sizeof(h));
        ok = bitsdo_http_content_range(cases[i].value, &h);
        if (ok != cases[i].ok)
            fail_msg("Content-Range \"%s\": %d, want %d", cases[i].value, ok, cases[i].ok);
        if (!ok)
            continue;
        assert_int_equal(h.range_total_known, cases[i].total_known);
        assert_int_equal(h.range_unsatisfied, cases[i].unsatisfied);
        assert_int_equal(h.has_range, !cases[i].unsatisfied);
        if (!cases[i].unsatisfied)
            assert_true(h.range_first == cases[i].first && h.range_last == cases[i].last);
        if (cases[i].total_known)
            assert_true(h.range_total == cases[i].total);
    }
}

static void test_tokens_and_framing(void **state)
{
    static const struct {
        const char *head;
        bitsdo_http_body_kind kind;
        uint64_t length;
        int close_announced, reusable;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", BITSDO_HTTP_BODY_LENGTH, 5, 0, 1},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: Close\r\n\r\n",
         BITSDO_HTTP_BODY_LENGTH,
         5,
         1,
         0},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", BITSDO_HTTP_BODY_CHUNKED, 0, 0, 1},
        {"HTTP/1.1 200 OK\r\n\r\n", BITSDO_HTTP_BODY_CLOSE, 0, 0, 0},
        {"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", BITSDO_HTTP_BODY_NONE, 0, 0, 1},
        {"HTTP/1.1 304 Not Modified\r\n\r\n", BITSDO_HTTP_BODY_NONE, 0, 0, 1},
        {"HTTP/1.1 101 Switching\r\n\r\n", BITSDO_HTTP_BODY_NONE, 0, 0, 1},
        {"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", BITSDO_HTTP_BODY_LENGTH, 5, 1, 0},
        {"HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: Keep-Alive\r\n\r\n",
         BITSDO_HTTP_BODY_LENGTH,
         5,
         0,
         1},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
         BITSDO_HTTP_BODY_CHUNKED,
         0,
         1,
         0},
    };
    size_t i;

    (void)state;
    assert_true(bitsdo_http_has_token("keep-alive, Close", "close"));
    assert_true(bitsdo_http_has_token(" ,, close", "close"));
    assert_true(bitsdo_http_has_token("Basic realm=\"x\"", "basic"));
    assert_true(bitsdo_http_has_token("x, close;param", "close"));
    assert_false(bitsdo_http_has_token("closed", "close"));
    assert_false(bitsdo_http_has_token("x; close", "close"));
    assert_false(bitsdo_http_has_token("", "close"));
    for (i = 0; i < COUNT(cases); i++) {
        bitsdo_http_head h;
        bitsdo_http_body b;

        assert_int_equal(parse(cases[i].head, &h), BITSDO_S_OK);
        bitsdo_http_body_framing(&h, &b);
        if (b.kind != cases[i].kind || b.length != cases[i].length ||
            b.close_announced != cases[i].close_announced || b.reusable != cases[i].reusable)
            fail_msg("case %u: kind %d length %llu close %d reusable %d",
                     (unsigned)i,
                     (int)b.kind,
                     (unsigned long long)b.length,
                     b.close_announced,
                     b.reusable);
        bitsdo_http_head_free(&h);
    }
}

static void test_head_text(void **state)
{
    bitsdo_http_head h, again;
    char *text;

    (void)state;
    assert_int_equal(parse("HTTP/1.1 200 OK\nA:   b  \r\nc:\r\nD: e\tf\n\n", &h), BITSDO_S_OK);
    text = bitsdo_http_head_text(&h);
    assert_string_equal(text, "HTTP/1.1 200 OK\r\nA: b\r\nc: \r\nD: e\tf\r\n");
    /* printed back and parsed again: the same head */
    text = realloc(text, strlen(text) + 3);
    strcat(text, "\r\n");
    assert_int_equal(parse(text, &again), BITSDO_S_OK);
    assert_int_equal(again.raw_len, h.raw_len);
    assert_memory_equal(again.raw, h.raw, h.raw_len);
    free(text);
    bitsdo_http_head_free(&again);
    bitsdo_http_head_free(&h);
    memset(&h, 0, sizeof(h));
    assert_null(bitsdo_http_head_text(&h));
}

/* --- chunked -------------------------------------------------------------- */

typedef struct decoded {
    bitsdo_chunk_status status;
    size_t used; /* bytes taken up to END or ERROR (all for MORE) */
    char out[4096];
    size_t out_len;
} decoded;

/* Feeds text[0..len) in pieces of `step` bytes (0: whole). */
static void decode(const char *text, size_t len, size_t step, decoded *d)
{
    bitsdo_chunked c;
    size_t pos = 0;

    memset(d, 0, sizeof(*d));
    bitsdo_chunked_init(&c);
    d->status = BITSDO_CHUNK_MORE;
    while (pos < len || !step) {
        size_t n = step && len - pos > step ? step : len - pos, used, off, dlen;
        bitsdo_chunk_status st =
            bitsdo_chunked_feed(&c, (const unsigned char *)text + pos, n, &used, &off, &dlen);

        assert_true(used <= n);
        if (st == BITSDO_CHUNK_DATA) {
            assert_true(dlen > 0 && off + dlen == used);
            assert_true(d->out_len + dlen <= sizeof(d->out));
            memcpy(d->out + d->out_len, text + pos + off, dlen);
            d->out_len += dlen;
        } else {
            assert_int_equal(dlen, 0);
        }
        pos += used;
        d->status = st;
        if (st == BITSDO_CHUNK_END || st == BITSDO_CHUNK_ERROR)
            break;
        if (st == BITSDO_CHUNK_MORE) {
            assert_int_equal(used, n);
            if (!step)
                break;
        }
    }
    if (d->status == BITSDO_CHUNK_DATA)
        d->status = BITSDO_CHUNK_MORE; /* the input ended with data */
    d->used = pos;
}

static void expect_chunks(const char *text, size_t len, bitsdo_chunk_status status, const char *out,
                          size_t used)
{
    decoded whole, piece;
    size_t step;

    decode(text, len, 0, &whole);
    if (whole.status != status || whole.used != used || whole.out_len != strlen(out) ||
        memcmp(whole.out, out, whole.out_len))
        fail_msg("chunked \"%.60s\": status %d used %u out \"%.*s\"; want %d %u \"%s\"",
                 text,
                 (int)whole.status,
                 (unsigned)whole.used,
                 (int)whole.out_len,
                 whole.out,
                 (int)status,
                 (unsigned)used,
                 out);
    /* every piece size gives the same */
    for (step = 1; step <= len; step++) {
        decode(text, len, step, &piece);
        if (piece.status != whole.status || piece.used != whole.used || piece.out_len != whole.out_len ||
            memcmp(piece.out, whole.out, whole.out_len))
            fail_msg("chunked \"%.60s\" in pieces of %u differs", text, (unsigned)step);
    }
}

#define CHUNKS(text, status, out, used) expect_chunks(text, sizeof(text) - 1, status, out, used)

static void test_chunked_valid(void **state)
{
    (void)state;
    CHUNKS("5\r\nhello\r\n0\r\n\r\n", BITSDO_CHUNK_END, "hello", 15);
    CHUNKS("5\nhello\n0\n\n", BITSDO_CHUNK_END, "hello", 11);
    /* what follows the end is not the body's */
    CHUNKS("1\r\na\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", BITSDO_CHUNK_END, "a", 11);
    CHUNKS("5;name=val;x\r\nhello\r\n6 \t; q=\"a b\"\r\n world\r\n0;last\r\n\r\n",
           BITSDO_CHUNK_END,
           "hello world",
           53);
    CHUNKS("5  \r\nhello\r\n0\r\n\r\n", BITSDO_CHUNK_END, "hello", 17);
    CHUNKS("A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", BITSDO_CHUNK_END, "0123456789abcdefghij", 35);
    CHUNKS("00000000000001\r\nx\r\n000\r\n\r\n", BITSDO_CHUNK_END, "x", 26);
    /* trailers; a trailer line of a lone CR then text is not the end */
    CHUNKS("2\r\nok\r\n0\r\nX-Sum: 1\r\nY: 2\n\r\n", BITSDO_CHUNK_END, "ok", 27);
    CHUNKS("2\r\nok\r\n0\r\n\rX\r\n\r\n", BITSDO_CHUNK_END, "ok", 16);
    /* extension bytes are not interpreted, even a CR or NUL in them */
    expect_chunks("1;a\rb\0c\r\nz\r\n0\r\n\r\n", 17, BITSDO_CHUNK_END, "z", 17);
    /* incomplete: everything taken, more wanted */
    CHUNKS("5\r\nhel", BITSDO_CHUNK_MORE, "hel", 6);
    CHUNKS("5\r\nhello\r\n0\r\n", BITSDO_CHUNK_MORE, "hello", 13);
    CHUNKS("", BITSDO_CHUNK_MORE, "", 0);
}

static void test_chunked_invalid(void **state)
{
    char line[1100];
    size_t n;

    (void)state;
    CHUNKS("\r\n", BITSDO_CHUNK_ERROR, "", 1);
    CHUNKS(" 5\r\nhello\r\n0\r\n\r\n", BITSDO_CHUNK_ERROR, "", 0);
    CHUNKS("5x\r\nhello\r\n", BITSDO_CHUNK_ERROR, "", 1);
    CHUNKS("5 5\r\nhello\r\n", BITSDO_CHUNK_ERROR, "", 2);
    CHUNKS("-1\r\n", BITSDO_CHUNK_ERROR, "", 0);
    CHUNKS("+1\r\n", BITSDO_CHUNK_ERROR, "", 0);
    CHUNKS("0x1\r\n", BITSDO_CHUNK_ERROR, "", 1);
    CHUNKS(";x\r\n", BITSDO_CHUNK_ERROR, "", 0);
    CHUNKS("5\r\r\nhello\r\n", BITSDO_CHUNK_ERROR, "", 2);
    CHUNKS("5\rhello\r\n", BITSDO_CHUNK_ERROR, "", 2);
    expect_chunks("5\0\r\nhello\r\n", 11, BITSDO_CHUNK_ERROR, "", 1);
    /* after the data: only CRLF or LF */
    CHUNKS("5\r\nhelloX\r\n0\r\n\r\n", BITSDO_CHUNK_ERROR, "hello", 8);
    CHUNKS("5\r\nhello \r\n0\r\n\r\n", BITSDO_CHUNK_ERROR, "hello", 8);
    CHUNKS("5\r\nhello\r\r\n0\r\n\r\n", BITSDO_CHUNK_ERROR, "hello", 9);
    /* 16 hex digits (leading zeros count): over the 15 taken */
    CHUNKS("0000000000000001\r\nx\r\n0\r\n\r\n", BITSDO_CHUNK_ERROR, "", 15);
    CHUNKS("FFFFFFFFFFFFFFFF\r\n", BITSDO_CHUNK_ERROR, "", 15);

    /* the size line: 1,023 bytes before its LF (CR counted) are taken, 1,024 are not */
    strcpy(line, "1;");
    n = strlen(line);
    memset(line + n, 'e', 1020);
    strcpy(line + n + 1020, "\r\nz\r\n0\r\n\r\n");
    expect_chunks(line, strlen(line), BITSDO_CHUNK_END, "z", strlen(line));
    memset(line + n, 'e', 1021);
    strcpy(line + n + 1021, "\r\nz\r\n0\r\n\r\n");
    expect_chunks(line, strlen(line), BITSDO_CHUNK_ERROR, "", 1023);
    /* the same for a trailer line */
    strcpy(line, "0\r\nT: ");
    n = strlen(line);
    memset(line + n, 't', 1020);
    strcpy(line + n + 1020, "\r\n\r\n");
    expect_chunks(line, strlen(line), BITSDO_CHUNK_ERROR, "", 3 + 1023);
}

static void test_chunked_machine(void **state)
{
    static const unsigned char body[] = "FFFFFFFFFFFFFFF\r\nabc";
    bitsdo_chunked c;
    size_t used, off, len;

    (void)state;
    bitsdo_chunked_init(&c);
    assert_true(bitsdo_chunked_data_left(&c) == 0);
    assert_int_equal(bitsdo_chunked_feed(&c, body, 17, &used, &off, &len), BITSDO_CHUNK_MORE);
    assert_int_equal(used, 17);
    /* the largest chunk: 2^60 - 1 bytes */
    assert_true(bitsdo_chunked_data_left(&c) == (UINT64_C(1) << 60) - 1);
    assert_int_equal(bitsdo_chunked_feed(&c, body + 17, 3, &used, &off, &len), BITSDO_CHUNK_DATA);
    assert_int_equal(off, 0);
    assert_int_equal(len, 3);
    assert_true(bitsdo_chunked_data_left(&c) == (UINT64_C(1) << 60) - 4);

    /* a DATA span stops at the chunk's end; END and ERROR stay */
    bitsdo_chunked_init(&c);
    assert_int_equal(bitsdo_chunked_feed(&c, (const unsigned char *)"2\r\nabcd", 7, &used, &off, &len),
                     BITSDO_CHUNK_DATA);
    assert_int_equal(off, 3);
    assert_int_equal(len, 2);
    assert_int_equal(used, 5);
    assert_true(bitsdo_chunked_data_left(&c) == 0);
    assert_int_equal(bitsdo_chunked_feed(&c, (const unsigned char *)"cd", 2, &used, &off, &len),
                     BITSDO_CHUNK_ERROR);
    assert_int_equal(used, 0);
    assert_int_equal(bitsdo_chunked_feed(&c, (const unsigned char *)"\r\n", 2, &used, &off, &len),
                     BITSDO_CHUNK_ERROR);
    assert_int_equal(used, 0);
    bitsdo_chunked_init(&c);
    assert_int_equal(bitsdo_chunked_feed(&c, (const unsigned char *)"0\r\n\r\n", 5, &used, &off, &len),
                     BITSDO_CHUNK_END);
    assert_int_equal(bitsdo_chunked_feed(&c, (const unsigned char *)"1\r\n", 3, &used, &off, &len),
                     BITSDO_CHUNK_END);
    assert_int_equal(used, 0);
}

/* --- custom request headers ----------------------------------------------- */

static void test_header_lists(void **state)
{
    static const bitsdo_wchar *const good[] = {
        u"",
        u"X-A: 1",
        u"X-A: 1\r\n",
        u"X-A: 1\r\nX-B:2\r\n",
        u"X-A:\r\n",
        u"X-A: a\tb \u00e9\u4e2d",
        u"Hostname: x\r\nRanges: y\r\nAccept: */*",
        u"!#$%&'*+-.^_`|~09azAZ: x",
    };
    static const bitsdo_wchar *const bad[] = {
        u"\r\n",
        u"X-A: 1\r\n\r\n",
        u"X-A: 1\r\n\r\nGET / HTTP/1.1",
        u"X-A: 1\nX-B: 2",
        u"X-A: 1\rX-B: 2",
        u"X-A: 1\r",
        u"X-A: 1\n",
        u"X-A: a\x01"
        u"b",
        u"X-A: a\x7f"
        u"b",
        u"X-A: a\x1b",
        u"Host: evil",
        u"host: evil",
        u"X-A: 1\r\nRange: bytes=0-",
        u"If-Range: x",
        u"Content-Length: 5",
        u"TRANSFER-ENCODING: chunked",
        u"Bad Name: x",
        u": x",
        u"NoColon",
        u"X-\u00e9: x",
        u"X(A): x",
        u"\tX: x",
    };
    bitsdo_wchar *big;
    char *lines;
    size_t i;

    (void)state;
    assert_int_equal(bitsdo_http_headers_check(NULL), BITSDO_S_OK);
    for (i = 0; i < COUNT(good); i++)
        if (bitsdo_http_headers_check(good[i]) != BITSDO_S_OK)
            fail_msg("good list %u refused", (unsigned)i);
    for (i = 0; i < COUNT(bad); i++) {
        if (bitsdo_http_headers_check(bad[i]) != BITSDO_E_INVALIDARG)
            fail_msg("bad list %u accepted", (unsigned)i);
        lines = (char *)1;
        assert_int_equal(bitsdo_http_headers_lines(bad[i], &lines), BITSDO_E_INVALIDARG);
        assert_null(lines);
    }
    /* a name of 63 characters is taken, 64 are not */
    big = malloc((BITSDO_HTTP_MAX_HEADER_CHARS + 2) * sizeof(*big));
    assert_non_null(big);
    for (i = 0; i < 63; i++)
        big[i] = 'n';
    big[63] = ':';
    big[64] = 0;
    assert_int_equal(bitsdo_http_headers_check(big), BITSDO_S_OK);
    big[63] = 'n';
    big[64] = ':';
    big[65] = 0;
    assert_int_equal(bitsdo_http_headers_check(big), BITSDO_E_INVALIDARG);
    /* 16,383 characters are taken, 16,384 are BG_E_STRING_TOO_LONG */
    big[0] = 'X';
    big[1] = ':';
    for (i = 2; i < BITSDO_HTTP_MAX_HEADER_CHARS; i++)
        big[i] = 'v';
    big[i] = 0;
    assert_int_equal(bitsdo_http_headers_check(big), BITSDO_S_OK);
    big[i] = 'v';
    big[i + 1] = 0;
    assert_int_equal(bitsdo_http_headers_check(big), BITSDO_BG_E_STRING_TOO_LONG);
    assert_int_equal(bitsdo_http_headers_lines(big, &lines), BITSDO_BG_E_STRING_TOO_LONG);
    free(big);

    /* as request lines: UTF-8, every line ended by CRLF */
    assert_int_equal(bitsdo_http_headers_lines(u"X-A: 1\r\nX-B: \u00e9\u4e2d", &lines), BITSDO_S_OK);
    assert_string_equal(lines, "X-A: 1\r\nX-B: \xc3\xa9\xe4\xb8\xad\r\n");
    free(lines);
    assert_int_equal(bitsdo_http_headers_lines(u"X-A: 1\r\n", &lines), BITSDO_S_OK);
    assert_string_equal(lines, "X-A: 1\r\n");
    free(lines);
    /* a NUL ends the list: nothing after it reaches the wire */
    assert_int_equal(bitsdo_http_headers_lines(u"X-A: 1\0Host: evil\r\n\r\nGET /", &lines), BITSDO_S_OK);
    assert_string_equal(lines, "X-A: 1\r\n");
    free(lines);
    lines = (char *)1;
    assert_int_equal(bitsdo_http_headers_lines(u"", &lines), BITSDO_S_OK);
    assert_null(lines);
    lines = (char *)1;
    assert_int_equal(bitsdo_http_headers_lines(NULL, &lines), BITSDO_S_OK);
    assert_null(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_valid),
        cmocka_unit_test(test_head_invalid),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_content_range),
        cmocka_unit_test(test_tokens_and_framing),
        cmocka_unit_test(test_head_text),
        cmocka_unit_test(test_chunked_valid),
        cmocka_unit_test(test_chunked_invalid),
        cmocka_unit_test(test_chunked_machine),
        cmocka_unit_test(test_header_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
