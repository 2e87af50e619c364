/* libFuzzer target for chunked framing (src/core/httpparse.c): the input
 * is a chunked body as a server would send it, after 4 bytes that seed the
 * sizes of the pieces it is fed in.
 *
 * Checks: fed whole, in pieces of random sizes and one byte at a time, the
 * state machine gives the same data, the same outcome (end, error, more
 * wanted) at the same byte; data never exceeds the input; a DATA span lies
 * in the piece given and never beyond the chunk's data still expected; and
 * a body that ended, encoded again as one chunk, decodes to the same data.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/core \
 *       tests/fuzz/fuzz_chunked.c src/core/[a-z]*.c -o /tmp/fuzz_chunked
 *   /tmp/fuzz_chunked -max_total_time=60 tests/fuzz/corpus/chunked
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct result {
    bitsdo_chunk_status status;
    size_t used; /* input bytes taken up to END/ERROR, or all */
    uint8_t *out;
    size_t out_len;
} result;

/* Feeds in[0..len) in pieces: `step` 0 = whole, otherwise piece sizes from
 * a small generator seeded with `seed` (1..step bytes each). */
static void decode(const uint8_t *in, size_t len, size_t step, uint32_t seed, result *r)
{
    bitsdo_chunked c;
    size_t pos = 0;

    r->status = BITSDO_CHUNK_MORE;
    r->out_len = 0;
    bitsdo_chunked_init(&c);
    for (;;) {
        size_t n = len - pos, used, off, dlen;
        uint64_t left = bitsdo_chunked_data_left(&c);
        bitsdo_chunk_status st;

        if (step) {
            size_t piece;
            seed = seed * 1103515245u + 12345u;
            piece = 1 + (seed >> 16) % step;
            if (n > piece)
                n = piece;
        }
        st = bitsdo_chunked_feed(&c, in + pos, n, &used, &off, &dlen);
        if (used > n)
            abort();
        if (st == BITSDO_CHUNK_DATA) {
            if (!dlen || off + dlen != used)
                abort();
            /* data comes only as the chunk's data; when data was expected
             * it starts at once and is never more than expected */
            if (left && (off || dlen > left))
                abort();
            if (r->out_len + dlen > len)
                abort();
            memcpy(r->out + r->out_len, in + pos + off, dlen);
            r->out_len += dlen;
        } else if (dlen || off) {
            abort();
        }
        if (st == BITSDO_CHUNK_MORE && used != n)
            abort();
        pos += used;
        r->status = st;
        if (st == BITSDO_CHUNK_END || st == BITSDO_CHUNK_ERROR) {
            /* and it stays so */
            if (bitsdo_chunked_feed(&c, in, len, &used, &off, &dlen) != st || used)
                abort();
            break;
        }
        if (pos == len) {
            r->status = BITSDO_CHUNK_MORE;
            break;
        }
    }
    r->used = pos;
    if (r->out_len > r->used)
        abort();
}

static void check_same(const result *a, const result *b)
{
    if (a->status != b->status || a->used != b->used || a->out_len != b->out_len ||
        memcmp(a->out, b->out, a->out_len))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    result whole, split, bytes;
    uint32_t seed;

    if (size < 4)
        return 0;
    seed = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
    data += 4;
    size -= 4;
    whole.out = malloc(size + 1);
    split.out = malloc(size + 1);
    bytes.out = malloc(size + 1);
    if (!whole.out || !split.out || !bytes.out)
        abort();
    decode(data, size, 0, 0, &whole);
    decode(data, size, 1 + seed % 64, seed, &split);
    check_same(&whole, &split);
    decode(data, size, 1, 0, &bytes);
    check_same(&whole, &bytes);

    if (whole.status == BITSDO_CHUNK_END && whole.out_len) {
        /* the data again, as one chunk */
        size_t n = whole.out_len;
        uint8_t *again = malloc(n + 64), *p;
        result re;

        if (!again || !(re.out = malloc(n + 64)))
            abort();
        p = again + sprintf((char *)again, "%zx;ext\r\n", n);
        memcpy(p, whole.out, n);
        p += n;
        memcpy(p, "\r\n0\r\n\r\n", 7);
        p += 7;
        decode(again, (size_t)(p - again), 0, 0, &re);
        if (re.status != BITSDO_CHUNK_END || re.used != (size_t)(p - again) || re.out_len != n ||
            memcmp(re.out, whole.out, n))
            abort();
        free(re.out);
        free(again);
    }
    free(whole.out);
    free(split.out);
    free(bytes.out);
    return 0;
}
