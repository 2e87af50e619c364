/* libFuzzer target for HTTP response heads (src/core/httpparse.c): the
 * input bytes are a head as a server would send it.
 *
 * Checks: a head is parsed or refused with the documented code; what is
 * parsed is consistent (status in range, Content-Length and chunked never
 * both, a range inside its total, the first ETag/Location/... is what the
 * field lookup finds, body framing agrees with the head); and the head
 * printed back as text and parsed again gives the same head, field by
 * field (a differential check of parser and printer). A Content-Range
 * printed back from its parsed numbers parses to the same numbers.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/core \
 *       tests/fuzz/fuzz_httphead.c src/core/[a-z]*.c -o /tmp/fuzz_httphead
 *   /tmp/fuzz_httphead -max_total_time=60 tests/fuzz/corpus/httphead
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_field(const bitsdo_http_head *h, const char *name, const char *got)
{
    const char *want = bitsdo_http_head_field(h, name);

    if (!same_str(got, want))
        abort();
    if (got && (got < h->raw || got >= h->raw + h->raw_len))
        abort();
}

static void check_head(const bitsdo_http_head *h)
{
    bitsdo_http_body body;

    if (h->status < 100 || h->status > 599 || h->minor < 0 || h->minor > 9)
        abort();
    if (!h->raw || !h->raw_len || h->raw[h->raw_len - 1] || (h->raw_len >= 2 && h->raw[h->raw_len - 2]))
        abort();
    if (h->has_length && h->chunked)
        abort();
    if (h->has_range && h->range_unsatisfied)
        abort();
    if (h->has_range &&
        (h->range_first > h->range_last || (h->range_total_known && h->range_last >= h->range_total)))
        abort();
    if (h->range_unsatisfied && !h->range_total_known)
        abort();
    check_field(h, "etag", h->etag);
    check_field(h, "LAST-MODIFIED", h->last_modified);
    check_field(h, "Location", h->location);
    bitsdo_http_body_framing(h, &body);
    switch (body.kind) {
    case BITSDO_HTTP_BODY_NONE:
        if (!((h->status >= 100 && h->status < 200) || h->status == 204 || h->status == 304))
            abort();
        break;
    case BITSDO_HTTP_BODY_LENGTH:
        if (!h->has_length || body.length != h->length)
            abort();
        break;
    case BITSDO_HTTP_BODY_CHUNKED:
        if (!h->chunked)
            abort();
        break;
    case BITSDO_HTTP_BODY_CLOSE:
        if (body.reusable || h->chunked || h->has_length)
            abort();
        break;
    default:
        abort();
    }
    if (body.reusable && body.close_announced)
        abort();
}

static void check_same(const bitsdo_http_head *a, const bitsdo_http_head *b)
{
    if (a->raw_len != b->raw_len || memcmp(a->raw, b->raw, a->raw_len))
        abort();
    if (a->minor != b->minor || a->status != b->status || a->has_length != b->has_length ||
        a->length != b->length || a->chunked != b->chunked || a->conn_close != b->conn_close ||
        a->keep_alive != b->keep_alive || a->has_range != b->has_range || a->range_first != b->range_first ||
        a->range_last != b->range_last || a->range_total != b->range_total ||
        a->range_total_known != b->range_total_known || a->range_unsatisfied != b->range_unsatisfied ||
        a->accept_ranges_none != b->accept_ranges_none || a->www_basic != b->www_basic)
        abort();
    if (!same_str(a->etag, b->etag) || !same_str(a->last_modified, b->last_modified) ||
        !same_str(a->location, b->location))
        abort();
}

static void check_range_printed(const bitsdo_http_head *h)
{
    bitsdo_http_head again;
    char text[128];

    if (!h->has_range && !h->range_unsatisfied)
        return;
    if (h->range_unsatisfied)
        snprintf(text, sizeof(text), "bytes */%llu", (unsigned long long)h->range_total);
    else if (h->range_total_known)
        snprintf(text,
                 sizeof(text),
                 "bytes %llu-%llu/%llu",
                 (unsigned long long)h->range_first,
                 (unsigned long long)h->range_last,
                 (unsigned long long)h->range_total);
    else
        snprintf(text,
                 sizeof(text),
                 "bytes %llu-%llu/*",
                 (unsigned long long)h->range_first,
                 (unsigned long long)h->range_last);
    memset(&again, 0, sizeof(again));
    if (!bitsdo_http_content_range(text, &again))
        abort();
    if (again.has_range != h->has_range || again.range_unsatisfied != h->range_unsatisfied ||
        again.range_total_known != h->range_total_known ||
        (h->range_total_known && again.range_total != h->range_total) ||
        (h->has_range && (again.range_first != h->range_first || again.range_last != h->range_last)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bitsdo_http_head h, again;
    bitsdo_hr hr;
    char *text, *full;
    size_t n;

    hr = bitsdo_http_head_parse((const char *)data, size, &h);
    if (hr == BITSDO_E_OUTOFMEMORY)
        return 0;
    if (hr != BITSDO_S_OK) {
        if (hr != BITSDO_HTTP_E_INVALID_RESPONSE || h.raw || h.status || h.etag)
            abort();
        return 0;
    }
    check_head(&h);
    check_range_printed(&h);

    /* printed back, re-parsed: the same head */
    if (!(text = bitsdo_http_head_text(&h)))
        abort();
    n = strlen(text);
    if (!(full = malloc(n + 3)))
        abort();
    memcpy(full, text, n);
    memcpy(full + n, "\r\n", 3);
    if (bitsdo_http_head_parse(full, n + 2, &again) != BITSDO_S_OK)
        abort();
    check_same(&h, &again);
    bitsdo_http_head_free(&again);
    free(full);
    free(text);
    bitsdo_http_head_free(&h);
    return 0;
}
