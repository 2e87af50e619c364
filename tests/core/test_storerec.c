/* Tests for storerec.c: the CRC-32, the store record frame (layout, round
 * trip, the differential property frame(unframe(x)) == x) and the distinct
 * results for torn, corrupt, foreign and malformed records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobrec.h"
#include "storerec.h"

/* A deterministic generator, so failures reproduce. */
static uint32_t rng_state = 0x9E3779B9u;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Recomputes the CRC of a hand-edited record, so that only the part under
 * test is wrong. */
static void fix_crc(uint8_t *buf, size_t len)
{
    uint32_t crc = bitsdo_crc32(0, buf, 20);

    crc = bitsdo_crc32(crc, buf + 24, len - 24);
    put_le32(buf + 20, crc);
}

/* A copy of exactly len bytes, so ASan sees any read past the end. */
static uint8_t *dup_exact(const uint8_t *src, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);

    assert_non_null(copy);
    if (len)
        memcpy(copy, src, len);
    return copy;
}

static bitsdo_storerec_result unframe_exact(const uint8_t *buf, size_t len, bitsdo_storerec *out)
{
    uint8_t *copy = dup_exact(buf, len);
    bitsdo_storerec_result r = bitsdo_storerec_unframe(copy, len, out);

    free(copy);
    return r;
}

/* The typical record: a real job record, facade extras and a blob. */
typedef struct fixture {
    uint8_t *job;
    size_t job_len;
    uint8_t extras[37];
    uint8_t creds[64];
    bitsdo_store_section sections[3];
    uint8_t *buf;
    size_t len;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    bitsdo_job_rec rec;
    unsigned i;

    if (!fx)
        return -1;
    bitsdo_job_rec_init(&rec);
    for (i = 0; i < 16; i++)
        rec.id[i] = (uint8_t)(i * 7 + 1);
    bitsdo_set_wstr(&rec.display_name, u"store fixture");
    bitsdo_job_rec_add_file(&rec, u"http://h/a", u"C:\\a", NULL, 0);
    if (bitsdo_job_rec_write(&rec, &fx->job, &fx->job_len) != BITSDO_S_OK)
        return -1;
    bitsdo_job_rec_free(&rec);
    for (i = 0; i < sizeof(fx->extras); i++)
        fx->extras[i] = (uint8_t)(0x40 + i);
    for (i = 0; i < sizeof(fx->creds); i++)
        fx->creds[i] = (uint8_t)(0xFF - i);
    fx->sections[0] = (bitsdo_store_section){BITSDO_STORE_SECTION_JOB, fx->job, (uint32_t)fx->job_len};
    fx->sections[1] = (bitsdo_store_section){BITSDO_STORE_SECTION_FACADE, fx->extras, sizeof(fx->extras)};
    fx->sections[2] = (bitsdo_store_section){BITSDO_STORE_SECTION_CREDENTIALS, fx->creds, sizeof(fx->creds)};
    if (bitsdo_storerec_frame(BITSDO_STORE_KIND_DO_DOWNLOAD, fx->sections, 3, &fx->buf, &fx->len) !=
        BITSDO_STOREREC_OK)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    free(fx->job);
    free(fx->buf);
    free(fx);
    return 0;
}

/* ------------------------------------------------------------------ */

static void test_crc32_vectors(void **state)
{
    static const char fox[] = "The quick brown fox jumps over the lazy dog";
    uint32_t whole, pieces;
    size_t cut;

    (void)state;
    assert_int_equal(bitsdo_crc32(0, "", 0), 0);
    assert_int_equal(bitsdo_crc32(0, "123456789", 9), 0xCBF43926u); /* the check value */
    assert_int_equal(bitsdo_crc32(0, fox, sizeof(fox) - 1), 0x414FA339u);
    assert_int_equal(bitsdo_crc32(0, "a", 1), 0xE8B7BE43u);
    /* fed in two pieces, at every cut, it is the same */
    whole = bitsdo_crc32(0, fox, sizeof(fox) - 1);
    for (cut = 0; cut < sizeof(fox); cut++) {
        pieces = bitsdo_crc32(bitsdo_crc32(0, fox, cut), fox + cut, sizeof(fox) - 1 - cut);
        assert_int_equal(pieces, whole);
    }
}

static void test_round_trip(void **state)
{
    fixture *fx = *state;
    bitsdo_storerec rec;
    uint8_t *again;
    size_t again_len;
    uint32_t i;

    assert_int_equal(unframe_exact(fx->buf, fx->len, &rec), BITSDO_STOREREC_OK);
    assert_int_equal(bitsdo_storerec_unframe(fx->buf, fx->len, &rec), BITSDO_STOREREC_OK);
    assert_int_equal(rec.kind, BITSDO_STORE_KIND_DO_DOWNLOAD);
    assert_int_equal(rec.minor, BITSDO_STOREREC_MINOR);
    assert_int_equal(rec.section_count, 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(rec.sections[i].id, fx->sections[i].id);
        assert_int_equal(rec.sections[i].len, fx->sections[i].len);
        assert_memory_equal(rec.sections[i].data, fx->sections[i].data, fx->sections[i].len);
        /* views into the buffer, not copies */
        assert_true(rec.sections[i].data > fx->buf && rec.sections[i].data < fx->buf + fx->len);
    }
    assert_ptr_equal(bitsdo_storerec_find(&rec, BITSDO_STORE_SECTION_FACADE), &rec.sections[1]);
    assert_null(bitsdo_storerec_find(&rec, 9));
    assert_null(bitsdo_storerec_find(NULL, 1));
    /* the job section is the job record, intact */
    {
        bitsdo_job_rec job;

        bitsdo_job_rec_init(&job);
        assert_int_equal(bitsdo_job_rec_read(rec.sections[0].data, rec.sections[0].len, &job), BITSDO_S_OK);
        assert_int_equal(job.file_count, 1);
        bitsdo_job_rec_free(&job);
    }
    /* frame(unframe(x)) == x */
    assert_int_equal(bitsdo_storerec_frame(rec.kind, rec.sections, rec.section_count, &again, &again_len),
                     BITSDO_STOREREC_OK);
    assert_int_equal(again_len, fx->len);
    assert_memory_equal(again, fx->buf, fx->len);
    free(again);
}

static void test_layout(void **state)
{
    fixture *fx = *state;
    uint32_t body = (uint32_t)(3 * 8 + fx->job_len + sizeof(fx->extras) + sizeof(fx->creds)), crc;
    const uint8_t *p;

    assert_int_equal(fx->len, 24 + body);
    assert_memory_equal(fx->buf, "BDST", 4);
    assert_int_equal(fx->buf[4] | fx->buf[5] << 8, 1); /* major */
    assert_int_equal(fx->buf[6] | fx->buf[7] << 8, 0); /* minor */
    assert_int_equal(get_le32(fx->buf + 8), BITSDO_STORE_KIND_DO_DOWNLOAD);
    assert_int_equal(get_le32(fx->buf + 12), 3);
    assert_int_equal(get_le32(fx->buf + 16), body);
    /* the CRC covers the header before it and the body */
    crc = bitsdo_crc32(0, fx->buf, 20);
    crc = bitsdo_crc32(crc, fx->buf + 24, body);
    assert_int_equal(get_le32(fx->buf + 20), crc);
    /* first section: id, length, then the job record itself */
    p = fx->buf + 24;
    assert_int_equal(get_le32(p), BITSDO_STORE_SECTION_JOB);
    assert_int_equal(get_le32(p + 4), fx->job_len);
    assert_memory_equal(p + 8, "BDJR", 4);
}

static void test_empty_and_zero_length_sections(void **state)
{
    bitsdo_store_section s[2] = {{BITSDO_STORE_SECTION_JOB, NULL, 0}, {7, (const uint8_t *)"x", 1}};
    bitsdo_storerec rec;
    uint8_t *buf, *again;
    size_t len, again_len;

    (void)state;
    /* no sections at all */
    assert_int_equal(bitsdo_storerec_frame(BITSDO_STORE_KIND_QM_GROUP, NULL, 0, &buf, &len),
                     BITSDO_STOREREC_OK);
    assert_int_equal(len, 24);
    assert_int_equal(unframe_exact(buf, len, &rec), BITSDO_STOREREC_OK);
    assert_int_equal(rec.kind, BITSDO_STORE_KIND_QM_GROUP);
    assert_int_equal(rec.section_count, 0);
    free(buf);
    /* an empty section and an unknown id survive */
    assert_int_equal(bitsdo_storerec_frame(BITSDO_STORE_KIND_BITS_JOB, s, 2, &buf, &len), BITSDO_STOREREC_OK);
    assert_int_equal(bitsdo_storerec_unframe(buf, len, &rec), BITSDO_STOREREC_OK);
    assert_int_equal(rec.section_count, 2);
    assert_int_equal(rec.sections[0].len, 0);
    assert_null(rec.sections[0].data);
    assert_int_equal(rec.sections[1].id, 7);
    assert_int_equal(bitsdo_storerec_frame(rec.kind, rec.sections, rec.section_count, &again, &again_len),
                     BITSDO_STOREREC_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, buf, len);
    free(again);
    free(buf);
}

static void test_frame_bad_arguments(void **state)
{
    static const uint8_t data[4] = {1, 2, 3, 4};
    bitsdo_store_section s[BITSDO_STOREREC_MAX_SECTIONS + 1];
    uint8_t *buf = (uint8_t *)1;
    size_t len = 1;
    uint32_t i;

    (void)state;
    for (i = 0; i <= BITSDO_STOREREC_MAX_SECTIONS; i++)
        s[i] = (bitsdo_store_section){i + 1, data, sizeof(data)};
    assert_int_equal(bitsdo_storerec_frame(0, s, 1, &buf, &len), BITSDO_STOREREC_E_ARG); /* kind 0 */
    assert_null(buf);
    assert_int_equal(len, 0);
    assert_int_equal(bitsdo_storerec_frame(1, s, 1, NULL, &len), BITSDO_STOREREC_E_ARG);
    assert_int_equal(bitsdo_storerec_frame(1, s, 1, &buf, NULL), BITSDO_STOREREC_E_ARG);
    assert_int_equal(bitsdo_storerec_frame(1, NULL, 1, &buf, &len), BITSDO_STOREREC_E_ARG);
    assert_int_equal(bitsdo_storerec_frame(1, s, BITSDO_STOREREC_MAX_SECTIONS + 1, &buf, &len),
                     BITSDO_STOREREC_E_ARG);
    assert_int_equal(bitsdo_storerec_frame(1, s, BITSDO_STOREREC_MAX_SECTIONS, &buf, &len),
                     BITSDO_STOREREC_OK);
    free(buf);
    s[1].id = s[0].id; /* repeated id */
    assert_int_equal(bitsdo_storerec_frame(1, s, 2, &buf, &len), BITSDO_STOREREC_E_ARG);
    s[1].id = 0; /* zero id */
    assert_int_equal(bitsdo_storerec_frame(1, s, 2, &buf, &len), BITSDO_STOREREC_E_ARG);
    s[1] = (bitsdo_store_section){2, NULL, 3}; /* no data behind a length */
    assert_int_equal(bitsdo_storerec_frame(1, s, 2, &buf, &len), BITSDO_STOREREC_E_ARG);
    s[1] = (bitsdo_store_section){2, data, BITSDO_STOREREC_MAX_BODY}; /* too large (never read) */
    assert_int_equal(bitsdo_storerec_frame(1, s, 2, &buf, &len), BITSDO_STOREREC_E_ARG);
    assert_null(buf);
}

static void test_distinct_results(void **state)
{
    fixture *fx = *state;
    uint8_t *copy = dup_exact(fx->buf, fx->len);
    bitsdo_storerec rec;

    /* foreign file */
    copy[0] = 'X';
    assert_int_equal(unframe_exact(copy, fx->len, &rec), BITSDO_STOREREC_E_MAGIC);
    assert_int_equal(rec.section_count, 0);
    assert_int_equal(rec.kind, 0);
    memcpy(copy, fx->buf, fx->len);
    /* another major version, even with a right CRC */
    copy[4] = 2;
    fix_crc(copy, fx->len);
    assert_int_equal(unframe_exact(copy, fx->len, &rec), BITSDO_STOREREC_E_VERSION);
    memcpy(copy, fx->buf, fx->len);
    /* a later minor version is read */
    copy[6] = 5;
    fix_crc(copy, fx->len);
    assert_int_equal(unframe_exact(copy, fx->len, &rec), BITSDO_STOREREC_OK);
    assert_int_equal(rec.minor, 5);
    memcpy(copy, fx->buf, fx->len);
    /* one byte more than the body says */
    {
        uint8_t *longer = malloc(fx->len + 1);
        assert_non_null(longer);
        memcpy(longer, fx->buf, fx->len);
        longer[fx->len] = 0;
        assert_int_equal(unframe_exact(longer, fx->len + 1, &rec), BITSDO_STOREREC_E_LENGTH);
        free(longer);
    }
    /* a body length past any sane size */
    put_le32(copy + 16, 0xFFFFFFF0u);
    assert_int_equal(unframe_exact(copy, fx->len, &rec), BITSDO_STOREREC_E_LENGTH);
    memcpy(copy, fx->buf, fx->len);
    /* a flipped bit in a section */
    copy[fx->len - 3] ^= 0x10;
    assert_int_equal(unframe_exact(copy, fx->len, &rec), BITSDO_STOREREC_E_CRC);
    memcpy(copy, fx->buf, fx->len);
    /* a flipped bit in the kind is caught too: the header is covered */
    copy[8] ^= 0x01;
    assert_int_equal(unframe_exact(copy, fx->len, &rec), BITSDO_STOREREC_E_CRC);
    /* bad arguments */
    assert_int_equal(bitsdo_storerec_unframe(fx->buf, fx->len, NULL), BITSDO_STOREREC_E_ARG);
    assert_int_equal(bitsdo_storerec_unframe(NULL, 10, &rec), BITSDO_STOREREC_E_ARG);
    assert_int_equal(bitsdo_storerec_unframe(NULL, 0, &rec), BITSDO_STOREREC_E_TRUNCATED);
    free(copy);
}

/* Every cut of the record is refused, each with the result its place calls for. */
static void test_every_truncation(void **state)
{
    fixture *fx = *state;
    bitsdo_storerec rec;
    size_t cut;

    for (cut = 0; cut < fx->len; cut++) {
        bitsdo_storerec_result r = unframe_exact(fx->buf, cut, &rec);

        if (cut < 24)
            assert_int_equal(r, BITSDO_STOREREC_E_TRUNCATED);
        else
            assert_int_equal(r, BITSDO_STOREREC_E_LENGTH);
        assert_int_equal(rec.section_count, 0);
    }
}

/* Every single-bit flip is caught, by the check that owns the byte. */
static void test_every_bit_flip(void **state)
{
    fixture *fx = *state;
    uint8_t *copy = dup_exact(fx->buf, fx->len);
    bitsdo_storerec rec;
    size_t at;
    int bit;

    for (at = 0; at < fx->len; at++) {
        for (bit = 0; bit < 8; bit++) {
            bitsdo_storerec_result r, want;

            copy[at] ^= (uint8_t)(1u << bit);
            r = bitsdo_storerec_unframe(copy, fx->len, &rec);
            if (at < 4)
                want = BITSDO_STOREREC_E_MAGIC;
            else if (at < 6)
                want = BITSDO_STOREREC_E_VERSION;
            else if (at >= 16 && at < 20)
                want = BITSDO_STOREREC_E_LENGTH;
            else
                want = BITSDO_STOREREC_E_CRC; /* minor, kind, count, CRC, body */
            assert_int_equal(r, want);
            copy[at] ^= (uint8_t)(1u << bit);
        }
    }
    free(copy);
}

/* Records with a right CRC but a section list no writer makes. */
static void test_malformed_sections(void **state)
{
    uint8_t b[96];
    bitsdo_storerec rec;

    (void)state;
#define HEADER(kind, count, body)             \
    do {                                      \
        memset(b, 0, sizeof(b));              \
        memcpy(b, "BDST\x01\x00\x00\x00", 8); \
        put_le32(b + 8, kind);                \
        put_le32(b + 12, count);              \
        put_le32(b + 16, body);               \
    } while (0)
#define EXPECT(result, body)                                             \
    do {                                                                 \
        fix_crc(b, 24 + (body));                                         \
        assert_int_equal(unframe_exact(b, 24 + (body), &rec), (result)); \
    } while (0)

    /* baseline: one 4-byte section */
    HEADER(1, 1, 12);
    put_le32(b + 24, 1);
    put_le32(b + 28, 4);
    EXPECT(BITSDO_STOREREC_OK, 12);
    /* kind 0 */
    HEADER(0, 1, 12);
    put_le32(b + 24, 1);
    put_le32(b + 28, 4);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 12);
    /* section id 0 */
    HEADER(1, 1, 12);
    put_le32(b + 28, 4);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 12);
    /* a section longer than the body */
    HEADER(1, 1, 12);
    put_le32(b + 24, 1);
    put_le32(b + 28, 5);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 12);
    HEADER(1, 1, 12);
    put_le32(b + 24, 1);
    put_le32(b + 28, 0xFFFFFFFFu);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 12);
    /* bytes left after the sections */
    HEADER(1, 1, 13);
    put_le32(b + 24, 1);
    put_le32(b + 28, 4);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 13);
    /* count says two, there is one; count says none, there is one */
    HEADER(1, 2, 12);
    put_le32(b + 24, 1);
    put_le32(b + 28, 4);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 12);
    HEADER(1, 0, 12);
    put_le32(b + 24, 1);
    put_le32(b + 28, 4);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 12);
    /* a section header cut short */
    HEADER(1, 1, 6);
    put_le32(b + 24, 1);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 6);
    /* the same id twice */
    HEADER(1, 2, 16);
    put_le32(b + 24, 3);
    put_le32(b + 32, 3);
    EXPECT(BITSDO_STOREREC_E_FORMAT, 16);
    /* more sections than allowed (17 empty ones) */
    HEADER(1, 17, 17 * 8);
    assert_true(24 + 17 * 8 > sizeof(b)); /* needs a bigger buffer */
    {
        uint8_t big[24 + 17 * 8];
        unsigned i;

        memcpy(big, b, 24);
        for (i = 0; i < 17; i++) {
            put_le32(big + 24 + 8 * i, i + 1);
            put_le32(big + 28 + 8 * i, 0);
        }
        fix_crc(big, sizeof(big));
        assert_int_equal(unframe_exact(big, sizeof(big), &rec), BITSDO_STOREREC_E_FORMAT);
        /* 16 are fine */
        put_le32(big + 12, 16);
        put_le32(big + 16, 16 * 8);
        fix_crc(big, 24 + 16 * 8);
        assert_int_equal(unframe_exact(big, 24 + 16 * 8, &rec), BITSDO_STOREREC_OK);
        assert_int_equal(rec.section_count, 16);
    }
#undef HEADER
#undef EXPECT
}

/* The differential property on random valid records, and on random edits
 * of them whose CRC was made right again: whatever unframe accepts frames
 * back to the same bytes. */
static void test_random_records(void **state)
{
    uint8_t data[300];
    unsigned round, accepted_edits = 0;

    (void)state;
    for (round = 0; round < 3000; round++) {
        bitsdo_store_section s[BITSDO_STOREREC_MAX_SECTIONS];
        uint32_t n = rng() % (BITSDO_STOREREC_MAX_SECTIONS + 1), i;
        bitsdo_storerec rec;
        uint8_t *buf, *again;
        size_t len, again_len;

        for (i = 0; i < sizeof(data); i++)
            data[i] = (uint8_t)rng();
        for (i = 0; i < n; i++) {
            uint32_t off = rng() % sizeof(data);
            s[i].id = i * 3 + 1 + rng() % 3; /* distinct, ascending */
            s[i].len = rng() % (uint32_t)(sizeof(data) - off + 1);
            s[i].data = s[i].len ? data + off : NULL;
        }
        assert_int_equal(bitsdo_storerec_frame(1 + rng() % 3, s, n, &buf, &len), BITSDO_STOREREC_OK);
        assert_int_equal(unframe_exact(buf, len, &rec), BITSDO_STOREREC_OK);
        assert_int_equal(bitsdo_storerec_unframe(buf, len, &rec), BITSDO_STOREREC_OK);
        assert_int_equal(rec.section_count, n);
        assert_int_equal(bitsdo_storerec_frame(rec.kind, rec.sections, rec.section_count, &again, &again_len),
                         BITSDO_STOREREC_OK);
        assert_int_equal(again_len, len);
        assert_memory_equal(again, buf, len);
        free(again);

        /* edit a few bytes after the magic and version, repair the CRC */
        if (len > 8) {
            unsigned k, edits = 1 + rng() % 3;
            bitsdo_storerec_result r;

            for (k = 0; k < edits; k++) {
                size_t at = 8 + rng() % (len - 8);
                if (at < 16 || at >= 20) /* keep the length right */
                    buf[at] = (uint8_t)rng();
            }
            fix_crc(buf, len);
            r = unframe_exact(buf, len, &rec);
            assert_true(r == BITSDO_STOREREC_OK || r == BITSDO_STOREREC_E_FORMAT);
            if (r == BITSDO_STOREREC_OK) {
                accepted_edits++;
                assert_int_equal(bitsdo_storerec_unframe(buf, len, &rec), BITSDO_STOREREC_OK);
                assert_int_equal(
                    bitsdo_storerec_frame(rec.kind, rec.sections, rec.section_count, &again, &again_len),
                    BITSDO_STOREREC_OK);
                assert_int_equal(again_len, len);
                assert_memory_equal(again, buf, len);
                free(again);
            }
        }
        free(buf);
    }
    assert_true(accepted_edits > 0);
}

static void test_random_bytes(void **state)
{
    uint8_t buf[128];
    unsigned round;

    (void)state;
    for (round = 0; round < 20000; round++) {
        size_t len = rng() % sizeof(buf), i;
        bitsdo_storerec rec;
        bitsdo_storerec_result r;

        for (i = 0; i < len; i++)
            buf[i] = (uint8_t)rng();
        if (len >= 24 && (round & 1)) {
            /* a header that gets as far as the section parser */
            memcpy(buf, "BDST\x01\x00", 6);
            put_le32(buf + 12, rng() % 5);
            put_le32(buf + 16, (uint32_t)(len - 24));
            for (i = 24; i + 8 <= len; i += 8 + (buf[i + 4] %= 16)) {
                buf[i + 5] = buf[i + 6] = buf[i + 7] = 0;
            }
            fix_crc(buf, len);
        }
        r = unframe_exact(buf, len, &rec);
        assert_true(r >= BITSDO_STOREREC_OK && r <= BITSDO_STOREREC_E_FORMAT && r != BITSDO_STOREREC_E_ARG &&
                    r != BITSDO_STOREREC_E_NOMEM);
        if (r != BITSDO_STOREREC_OK)
            assert_int_equal(rec.section_count, 0);
    }
}

static void test_result_names(void **state)
{
    int r;

    (void)state;
    for (r = BITSDO_STOREREC_OK; r <= BITSDO_STOREREC_E_FORMAT; r++) {
        const char *name = bitsdo_storerec_result_name((bitsdo_storerec_result)r);
        int other;

        assert_non_null(name);
        assert_true(strcmp(name, "unknown result") != 0);
        for (other = BITSDO_STOREREC_OK; other < r; other++)
            assert_true(strcmp(name, bitsdo_storerec_result_name((bitsdo_storerec_result)other)) != 0);
    }
    assert_string_equal(bitsdo_storerec_result_name((bitsdo_storerec_result)99), "unknown result");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_vectors),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test(test_empty_and_zero_length_sections),
        cmocka_unit_test(test_frame_bad_arguments),
        cmocka_unit_test_setup_teardown(test_distinct_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_bit_flip, setup, teardown),
        cmocka_unit_test(test_malformed_sections),
        cmocka_unit_test(test_random_records),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_result_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
