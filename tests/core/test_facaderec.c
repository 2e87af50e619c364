/* Tests for facaderec.c: both kinds round-trip with every field, the
 * writer's byte layout is stable (write(read(x)) == x), and malformed input
 * (every truncation, every byte changed, fields of the other kind, values
 * out of range, a wrong major version) is rejected without reading outside
 * the buffer (ASan in the native build). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "facaderec.h"
#include "wstr.h"

static void fill_do(bitsdo_facade_rec *rec)
{
    bitsdo_facade_rec_init(rec, BITSDO_FACADEREC_DO_DOWNLOAD);
    rec->dl.non_volatile = 1;
    rec->dl.uri = bitsdo_wcsdup(u"http://example.test/a.bin");
    rec->dl.local_path = bitsdo_wcsdup(u"C:\\dl\\a.bin");
    rec->dl.correlation_vector = bitsdo_wcsdup(u"cv.1");
    rec->dl.callback_freq_percent = 7;
    rec->dl.callback_freq_seconds = 3;
    rec->dl.cost_policy = 0;
    rec->dl.blocking = 1;
    rec->dl.integrity_mandatory = 0;
    rec->dl.disallow_cellular = 1;
    rec->dl.total_size_set = 1;
    rec->dl.total_size = 0x123456789ull;
    rec->dl.started = 1;
}

static void fill_qm(bitsdo_facade_rec *rec)
{
    uint32_t i;

    bitsdo_facade_rec_init(rec, BITSDO_FACADEREC_QM_GROUP);
    rec->qm.has_job = 1;
    for (i = 0; i < 16; i++) {
        rec->qm.job_id[i] = (uint8_t)(i + 1);
        rec->qm.notify_clsid[i] = (uint8_t)(0xF0 - i);
    }
    rec->qm.has_notify_clsid = 1;
    rec->qm.notify_flags = 0x5;
    rec->qm.protocol = 1;
    rec->qm.progress_size = 65536;
    rec->qm.progress_percent = 10;
    rec->qm.percent_mark = 42;
    rec->qm.hint_count = 3;
    rec->qm.size_hints = malloc(3 * sizeof(uint32_t));
    rec->qm.size_hints[0] = 100;
    rec->qm.size_hints[1] = 0;
    rec->qm.size_hints[2] = 0xFFFFFFFFu;
}

static int wstr_eq(const bitsdo_wchar *a, const bitsdo_wchar *b)
{
    if (!a || !b)
        return a == b;
    return !bitsdo_wcscmp(a, b);
}

static void assert_same(const bitsdo_facade_rec *a, const bitsdo_facade_rec *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_true(wstr_eq(a->dl.uri, b->dl.uri));
    assert_true(wstr_eq(a->dl.local_path, b->dl.local_path));
    assert_true(wstr_eq(a->dl.correlation_vector, b->dl.correlation_vector));
    assert_int_equal(a->dl.non_volatile, b->dl.non_volatile);
    assert_int_equal(a->dl.callback_freq_percent, b->dl.callback_freq_percent);
    assert_int_equal(a->dl.callback_freq_seconds, b->dl.callback_freq_seconds);
    assert_int_equal(a->dl.cost_policy, b->dl.cost_policy);
    assert_int_equal(a->dl.blocking, b->dl.blocking);
    assert_int_equal(a->dl.integrity_mandatory, b->dl.integrity_mandatory);
    assert_int_equal(a->dl.disallow_cellular, b->dl.disallow_cellular);
    assert_int_equal(a->dl.total_size_set, b->dl.total_size_set);
    assert_true(a->dl.total_size == b->dl.total_size);
    assert_int_equal(a->dl.started, b->dl.started);
    assert_int_equal(a->qm.has_job, b->qm.has_job);
    assert_memory_equal(a->qm.job_id, b->qm.job_id, 16);
    assert_int_equal(a->qm.has_notify_clsid, b->qm.has_notify_clsid);
    assert_memory_equal(a->qm.notify_clsid, b->qm.notify_clsid, 16);
    assert_int_equal(a->qm.notify_flags, b->qm.notify_flags);
    assert_int_equal(a->qm.protocol, b->qm.protocol);
    assert_int_equal(a->qm.progress_size, b->qm.progress_size);
    assert_int_equal(a->qm.progress_percent, b->qm.progress_percent);
    assert_int_equal(a->qm.percent_mark, b->qm.percent_mark);
    assert_int_equal(a->qm.hint_count, b->qm.hint_count);
    if (a->qm.hint_count)
        assert_memory_equal(a->qm.size_hints, b->qm.size_hints, a->qm.hint_count * sizeof(uint32_t));
}

static void round_trip(void (*fill)(bitsdo_facade_rec *))
{
    bitsdo_facade_rec rec, back;
    uint8_t *buf, *again;
    size_t len, again_len;

    fill(&rec);
    bitsdo_facade_rec_init(&back, 0);
    assert_int_equal(bitsdo_facade_rec_write(&rec, &buf, &len), BITSDO_S_OK);
    assert_int_equal(bitsdo_facade_rec_read(buf, len, &back), BITSDO_S_OK);
    assert_same(&rec, &back);
    /* The layout is stable: what was read writes back byte for byte. */
    assert_int_equal(bitsdo_facade_rec_write(&back, &again, &again_len), BITSDO_S_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, buf, len);
    free(again);
    free(buf);
    bitsdo_facade_rec_free(&rec);
    bitsdo_facade_rec_free(&back);
}

static void test_round_trip_do(void **state)
{
    (void)state;
    round_trip(fill_do);
}

static void test_round_trip_qm(void **state)
{
    (void)state;
    round_trip(fill_qm);
}

static void fill_empty_do(bitsdo_facade_rec *rec)
{
    bitsdo_facade_rec_init(rec, BITSDO_FACADEREC_DO_DOWNLOAD);
}

static void fill_empty_qm(bitsdo_facade_rec *rec)
{
    bitsdo_facade_rec_init(rec, BITSDO_FACADEREC_QM_GROUP);
}

/* Unset strings stay NULL, an unset total size and no job stay unset. */
static void test_round_trip_defaults(void **state)
{
    (void)state;
    round_trip(fill_empty_do);
    round_trip(fill_empty_qm);
}

static void test_write_bad_arguments(void **state)
{
    bitsdo_facade_rec rec;
    uint8_t *buf = (uint8_t *)1;
    size_t len = 1;

    (void)state;
    bitsdo_facade_rec_init(&rec, 0);
    assert_int_equal(bitsdo_facade_rec_write(&rec, &buf, &len), BITSDO_E_INVALIDARG);
    assert_null(buf);
    assert_int_equal(len, 0);
    bitsdo_facade_rec_init(&rec, 3);
    assert_int_equal(bitsdo_facade_rec_write(&rec, &buf, &len), BITSDO_E_INVALIDARG);
    bitsdo_facade_rec_init(&rec, BITSDO_FACADEREC_QM_GROUP);
    rec.qm.hint_count = 2; /* no array */
    assert_int_equal(bitsdo_facade_rec_write(&rec, &buf, &len), BITSDO_E_INVALIDARG);
    rec.qm.hint_count = BITSDO_MAX_FILES_PER_JOB + 1;
    rec.qm.size_hints = calloc(rec.qm.hint_count, sizeof(uint32_t));
    assert_int_equal(bitsdo_facade_rec_write(&rec, &buf, &len), BITSDO_E_INVALIDARG);
    bitsdo_facade_rec_free(&rec);
    assert_int_equal(bitsdo_facade_rec_write(NULL, &buf, &len), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_facade_rec_read(NULL, 0, NULL), BITSDO_E_INVALIDARG);
}

/* Every proper prefix is rejected (the END field), and so is every input
 * with one byte changed, or else it reads to a valid record (never a
 * crash, never a read outside the buffer). */
static void test_every_truncation_and_byte(void **state)
{
    void (*fills[2])(bitsdo_facade_rec *) = {fill_do, fill_qm};
    bitsdo_facade_rec rec, back;
    uint8_t *buf, *copy;
    size_t len, i, k;
    int v;

    (void)state;
    for (k = 0; k < 2; k++) {
        fills[k](&rec);
        assert_int_equal(bitsdo_facade_rec_write(&rec, &buf, &len), BITSDO_S_OK);
        bitsdo_facade_rec_init(&back, 0);
        for (i = 0; i < len; i++) {
            copy = malloc(i ? i : 1);
            memcpy(copy, buf, i);
            assert_int_equal(bitsdo_facade_rec_read(copy, i, &back), BITSDO_E_INVALIDARG);
            assert_int_equal(back.kind, 0);
            free(copy);
        }
        copy = malloc(len);
        for (i = 0; i < len; i++) {
            for (v = 0; v < 256; v += 51) {
                memcpy(copy, buf, len);
                copy[i] = (uint8_t)(copy[i] ^ (v | 1));
                bitsdo_hr hr = bitsdo_facade_rec_read(copy, len, &back);
                assert_true(hr == BITSDO_S_OK || hr == BITSDO_E_INVALIDARG);
                bitsdo_facade_rec_free(&back);
            }
        }
        free(copy);
        free(buf);
        bitsdo_facade_rec_free(&rec);
    }
}

/* Hand-made records: header, kind, then the given fields and END. */
static size_t make(uint8_t *out, uint16_t major, const uint8_t *fields, size_t n)
{
    memcpy(out, "BDFR", 4);
    out[4] = (uint8_t)major;
    out[5] = 0;
    out[6] = 0;
    out[7] = 0;
    memcpy(out + 8, fields, n);
    memset(out + 8 + n, 0, 6);
    return 8 + n + 6;
}

#define KIND(k) 1, 0, 4, 0, 0, 0, (k), 0, 0, 0
#define U32(tag, v) (tag), 0, 4, 0, 0, 0, (v), 0, 0, 0

static void test_malformed(void **state)
{
    static const uint8_t good_do[] = {KIND(1), U32(16, 1)};
    static const uint8_t good_qm[] = {KIND(2), U32(53, 100)};
    static const uint8_t no_kind[] = {U32(16, 1)};
    static const uint8_t bad_kind[] = {KIND(3)};
    static const uint8_t two_kinds[] = {KIND(1), KIND(1)};
    static const uint8_t other_kind_do[] = {KIND(1), U32(49, 1)};
    static const uint8_t other_kind_qm[] = {KIND(2), U32(16, 1)};
    static const uint8_t bool_two[] = {KIND(1), U32(23, 2)};
    static const uint8_t percent[] = {KIND(1), U32(20, 101)};
    static const uint8_t qm_percent[] = {KIND(2), U32(53, 101)};
    static const uint8_t mark[] = {KIND(2), U32(54, 101)};
    static const uint8_t short_u32[] = {KIND(1), 21, 0, 2, 0, 0, 0, 1, 0};
    static const uint8_t odd_str[] = {KIND(1), 17, 0, 3, 0, 0, 0, 'a', 0, 'b'};
    static const uint8_t nul_str[] = {KIND(1), 17, 0, 2, 0, 0, 0, 0, 0};
    static const uint8_t short_id[] = {KIND(2), 48, 0, 4, 0, 0, 0, 1, 2, 3, 4};
    static const uint8_t odd_hints[] = {KIND(2), 55, 0, 3, 0, 0, 0, 1, 2, 3};
    static const uint8_t empty_hints[] = {KIND(2), 55, 0, 0, 0, 0, 0};
    static const uint8_t unknown[] = {KIND(2), 200, 0, 1, 0, 0, 0, 9};
    static const struct {
        const uint8_t *fields;
        size_t n;
        bitsdo_hr want;
    } cases[] = {
        {good_do, sizeof(good_do), BITSDO_S_OK},
        {good_qm, sizeof(good_qm), BITSDO_S_OK},
        {unknown, sizeof(unknown), BITSDO_S_OK}, /* a newer field is skipped */
        {no_kind, sizeof(no_kind), BITSDO_E_INVALIDARG},
        {bad_kind, sizeof(bad_kind), BITSDO_E_INVALIDARG},
        {two_kinds, sizeof(two_kinds), BITSDO_E_INVALIDARG},
        {other_kind_do, sizeof(other_kind_do), BITSDO_E_INVALIDARG},
        {other_kind_qm, sizeof(other_kind_qm), BITSDO_E_INVALIDARG},
        {bool_two, sizeof(bool_two), BITSDO_E_INVALIDARG},
        {percent, sizeof(percent), BITSDO_E_INVALIDARG},
        {qm_percent, sizeof(qm_percent), BITSDO_E_INVALIDARG},
        {mark, sizeof(mark), BITSDO_E_INVALIDARG},
        {short_u32, sizeof(short_u32), BITSDO_E_INVALIDARG},
        {odd_str, sizeof(odd_str), BITSDO_E_INVALIDARG},
        {nul_str, sizeof(nul_str), BITSDO_E_INVALIDARG},
        {short_id, sizeof(short_id), BITSDO_E_INVALIDARG},
        {odd_hints, sizeof(odd_hints), BITSDO_E_INVALIDARG},
        {empty_hints, sizeof(empty_hints), BITSDO_E_INVALIDARG},
    };
    bitsdo_facade_rec rec;
    uint8_t buf[128];
    size_t i, len;

    (void)state;
    bitsdo_facade_rec_init(&rec, 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = make(buf, 1, cases[i].fields, cases[i].n);
        assert_int_equal(bitsdo_facade_rec_read(buf, len, &rec), cases[i].want);
        bitsdo_facade_rec_free(&rec);
    }
    /* Another major version, a wrong magic, something after END. */
    len = make(buf, 2, good_do, sizeof(good_do));
    assert_int_equal(bitsdo_facade_rec_read(buf, len, &rec), BITSDO_E_INVALIDARG);
    len = make(buf, 1, good_do, sizeof(good_do));
    buf[0] = 'X';
    assert_int_equal(bitsdo_facade_rec_read(buf, len, &rec), BITSDO_E_INVALIDARG);
    len = make(buf, 1, good_do, sizeof(good_do));
    buf[len] = 0;
    assert_int_equal(bitsdo_facade_rec_read(buf, len + 1, &rec), BITSDO_E_INVALIDARG);
    /* A good record read over a filled one replaces it entirely. */
    fill_qm(&rec);
    len = make(buf, 1, good_do, sizeof(good_do));
    assert_int_equal(bitsdo_facade_rec_read(buf, len, &rec), BITSDO_S_OK);
    assert_int_equal(rec.kind, BITSDO_FACADEREC_DO_DOWNLOAD);
    assert_int_equal(rec.qm.hint_count, 0);
    assert_null(rec.qm.size_hints);
    bitsdo_facade_rec_free(&rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_do),
        cmocka_unit_test(test_round_trip_qm),
        cmocka_unit_test(test_round_trip_defaults),
        cmocka_unit_test(test_write_bad_arguments),
        cmocka_unit_test(test_every_truncation_and_byte),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
