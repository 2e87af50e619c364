/* Tests for jobrec.c: the record, its files, and the byte format (round
 * trip, truncation, corruption, unknown fields). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "jobrec.h"
#include "wstr.h"

/* ------------------------------------------------------------------ */
/* Helpers */

static void expect_wstr(const bitsdo_wchar *got, const bitsdo_wchar *want)
{
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_int_equal(bitsdo_wcscmp(got, want), 0);
}

/* A deterministic generator, so failures reproduce. */
static uint32_t rng_state = 0x2545F491u;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void fill_record(bitsdo_job_rec *rec)
{
    static const bitsdo_range ranges[3] = {{0, 100}, {1000, 50}, {5000, 7}};
    static const bitsdo_range to_eof[1] = {{10, UINT64_MAX}};
    unsigned i;

    for (i = 0; i < 16; i++)
        rec->id[i] = (uint8_t)(0xA0 + i);
    rec->type = 2; /* BG_JOB_TYPE_UPLOAD_REPLY: not the default */
    rec->priority = 1;
    rec->state = BITSDO_STATE_TRANSIENT_ERROR;
    assert_int_equal(bitsdo_set_wstr(&rec->display_name, u"Display \u00e9\U0001F600"), BITSDO_S_OK);
    assert_int_equal(bitsdo_set_wstr(&rec->description, u""), BITSDO_S_OK); /* empty, not NULL */
    assert_int_equal(bitsdo_set_wstr(&rec->owner_sid, u"S-1-5-21-1-2-3-1001"), BITSDO_S_OK);
    assert_int_equal(bitsdo_set_wstr(&rec->notify_program, u"C:\\bin\\notify.exe"), BITSDO_S_OK);
    assert_int_equal(bitsdo_set_wstr(&rec->notify_parameters, u"notify.exe --job"), BITSDO_S_OK);
    rec->notify_flags = 0x0B;
    rec->min_retry_delay = 61;
    rec->no_progress_timeout = 0;
    rec->error_count = 4;
    rec->created = 0x01D9000000000001ull;
    rec->modified = 0x01D9000000000002ull;
    rec->transfer_completed = 0x01D9000000000003ull;
    rec->proxy_usage = 2;
    assert_int_equal(bitsdo_set_wstr(&rec->proxy_list, u"proxy:8080"), BITSDO_S_OK);
    assert_int_equal(bitsdo_set_wstr(&rec->proxy_bypass, u"<local>"), BITSDO_S_OK);
    rec->error_hr = BITSDO_BG_E_HTTP_ERROR_503;
    rec->error_context = 5;
    rec->peer_caching_flags = 3;
    rec->file_acl_flags = 0x0F;
    rec->max_download_time = 3600;
    rec->cost_flags = 0x80000021u;
    rec->dynamic_content = 1;
    rec->high_performance = 1;
    rec->max_download_size = 0x123456789ull;
    rec->min_notify_interval_ms = 250;
    assert_int_equal(bitsdo_set_wstr(&rec->http_headers, u"X-A: 1\r\nX-B: 2\r\n"), BITSDO_S_OK);
    rec->security_flags = 0x0101;

    /* file 0: known size, partly transferred, with a temp name and validator */
    assert_int_equal(bitsdo_job_rec_add_file(rec, u"https://h/a", u"C:\\d\\a", NULL, 0), BITSDO_S_OK);
    bitsdo_counters_set_size(&rec->counters, &rec->files[0]->counters, 1000);
    assert_true(bitsdo_counters_add_bytes(&rec->counters, &rec->files[0]->counters, 400));
    assert_int_equal(bitsdo_set_wstr(&rec->files[0]->temp_name, u"C:\\d\\BIT1A.tmp"), BITSDO_S_OK);
    assert_int_equal(bitsdo_set_wstr(&rec->files[0]->validator, u"\"etag-1\""), BITSDO_S_OK);
    rec->files[0]->remote_mtime = 0x01D8FFFFFFFFFFFFull;
    rec->files[0]->validation_state = 1;
    assert_int_equal(bitsdo_set_wstr(&rec->files[0]->file_id, u"do-file-\u00e9"), BITSDO_S_OK);
    bitsdo__store64(&rec->files[0]->cache_bytes, 300); /* from a DO cache host */
    bitsdo__store32(&rec->files[0]->cache_requests, 2);
    /* file 1: ranges (known size 157), complete */
    assert_int_equal(bitsdo_job_rec_add_file(rec, u"http://h/b", u"C:\\d\\b", ranges, 3), BITSDO_S_OK);
    assert_true(bitsdo_counters_add_bytes(&rec->counters, &rec->files[1]->counters, 157));
    bitsdo_counters_file_done(&rec->counters, &rec->files[1]->counters);
    /* file 2: unknown size, some bytes */
    assert_int_equal(bitsdo_job_rec_add_file(rec, u"\\\\s\\sh\\c", u"C:\\d\\c", to_eof, 1), BITSDO_S_OK);
    assert_true(bitsdo_counters_add_bytes(&rec->counters, &rec->files[2]->counters, 33));
    /* file 3: untouched */
    assert_int_equal(bitsdo_job_rec_add_file(rec, u"file:///C:/x", u"C:\\d\\x", NULL, 0), BITSDO_S_OK);
    rec->error_file = 2;
}

static void expect_same_counters(const bitsdo_job_rec *a, const bitsdo_job_rec *b)
{
    bitsdo_progress pa, pb;
    uint32_t i;

    bitsdo_counters_read(&a->counters, &pa);
    bitsdo_counters_read(&b->counters, &pb);
    assert_int_equal(pa.bytes_total, pb.bytes_total);
    assert_int_equal(pa.bytes_transferred, pb.bytes_transferred);
    assert_int_equal(pa.files_total, pb.files_total);
    assert_int_equal(pa.files_transferred, pb.files_transferred);
    assert_int_equal(bitsdo__load64(&a->counters.known_bytes), bitsdo__load64(&b->counters.known_bytes));
    assert_int_equal(bitsdo__load32(&a->counters.files_unknown), bitsdo__load32(&b->counters.files_unknown));
    for (i = 0; i < a->file_count; i++) {
        uint64_t ta, da, tb, db;
        int ca, cb;

        bitsdo_counters_read_file(&a->counters, &a->files[i]->counters, &ta, &da, &ca);
        bitsdo_counters_read_file(&b->counters, &b->files[i]->counters, &tb, &db, &cb);
        assert_int_equal(ta, tb);
        assert_int_equal(da, db);
        assert_int_equal(ca, cb);
    }
}

static void expect_same_record(const bitsdo_job_rec *a, const bitsdo_job_rec *b)
{
    uint32_t i, r;

    assert_memory_equal(a->id, b->id, 16);
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->priority, b->priority);
    assert_int_equal(a->state, b->state);
    expect_wstr(b->display_name, a->display_name);
    expect_wstr(b->description, a->description);
    expect_wstr(b->owner_sid, a->owner_sid);
    expect_wstr(b->notify_program, a->notify_program);
    expect_wstr(b->notify_parameters, a->notify_parameters);
    assert_int_equal(a->notify_flags, b->notify_flags);
    assert_int_equal(a->min_retry_delay, b->min_retry_delay);
    assert_int_equal(a->no_progress_timeout, b->no_progress_timeout);
    assert_int_equal(a->error_count, b->error_count);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->modified, b->modified);
    assert_int_equal(a->transfer_completed, b->transfer_completed);
    assert_int_equal(a->proxy_usage, b->proxy_usage);
    expect_wstr(b->proxy_list, a->proxy_list);
    expect_wstr(b->proxy_bypass, a->proxy_bypass);
    assert_int_equal(a->error_hr, b->error_hr);
    assert_int_equal(a->error_context, b->error_context);
    assert_int_equal(a->error_file, b->error_file);
    assert_int_equal(a->peer_caching_flags, b->peer_caching_flags);
    assert_int_equal(a->file_acl_flags, b->file_acl_flags);
    assert_int_equal(a->max_download_time, b->max_download_time);
    assert_int_equal(a->cost_flags, b->cost_flags);
    assert_int_equal(a->dynamic_content, b->dynamic_content);
    assert_int_equal(a->high_performance, b->high_performance);
    assert_int_equal(a->max_download_size, b->max_download_size);
    assert_int_equal(a->min_notify_interval_ms, b->min_notify_interval_ms);
    expect_wstr(b->http_headers, a->http_headers);
    assert_int_equal(a->security_flags, b->security_flags);
    assert_int_equal(a->file_count, b->file_count);
    for (i = 0; i < a->file_count; i++) {
        const bitsdo_file_rec *fa = a->files[i], *fb = b->files[i];

        expect_wstr(fb->remote_name, fa->remote_name);
        expect_wstr(fb->local_name, fa->local_name);
        expect_wstr(fb->temp_name, fa->temp_name);
        expect_wstr(fb->validator, fa->validator);
        expect_wstr(fb->file_id, fa->file_id);
        assert_int_equal(bitsdo__load64(&fa->cache_bytes), bitsdo__load64(&fb->cache_bytes));
        assert_int_equal(bitsdo__load32(&fa->cache_requests), bitsdo__load32(&fb->cache_requests));
        assert_int_equal(fa->range_count, fb->range_count);
        assert_int_equal(fa->ranges == NULL, fb->ranges == NULL);
        for (r = 0; r < fa->range_count; r++) {
            assert_int_equal(fa->ranges[r].offset, fb->ranges[r].offset);
            assert_int_equal(fa->ranges[r].length, fb->ranges[r].length);
        }
        assert_int_equal(fa->validation_state, fb->validation_state);
        assert_int_equal(fa->remote_mtime, fb->remote_mtime);
    }
    expect_same_counters(a, b);
}

typedef struct fixture {
    bitsdo_job_rec rec;
    uint8_t *buf;
    size_t len;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));

    if (!fx)
        return -1;
    bitsdo_job_rec_init(&fx->rec);
    fill_record(&fx->rec);
    if (BITSDO_FAILED(bitsdo_job_rec_write(&fx->rec, &fx->buf, &fx->len)))
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    bitsdo_job_rec_free(&fx->rec);
    free(fx->buf);
    free(fx);
    return 0;
}

/* Little-endian field builders for hand-made records. */
typedef struct builder {
    uint8_t data[4096];
    size_t len;
} builder;

static void b_bytes(builder *b, const void *p, size_t n)
{
    assert_true(b->len + n <= sizeof(b->data));
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void b_le(builder *b, uint64_t v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        uint8_t byte = (uint8_t)(v >> (8 * i));
        b_bytes(b, &byte, 1);
    }
}

static void b_header(builder *b, uint16_t major, uint16_t minor)
{
    b->len = 0;
    b_bytes(b, "BDJR", 4);
    b_le(b, major, 2);
    b_le(b, minor, 2);
}

static void b_tlv(builder *b, uint16_t tag, const void *value, uint32_t len)
{
    b_le(b, tag, 2);
    b_le(b, len, 4);
    b_bytes(b, value, len);
}

static void b_u32(builder *b, uint16_t tag, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    b_tlv(b, tag, le, 4);
}

static void b_str(builder *b, uint16_t tag, const bitsdo_wchar *s)
{
    size_t n = bitsdo_wcslen(s), i;

    b_le(b, tag, 2);
    b_le(b, n * 2, 4);
    for (i = 0; i < n; i++)
        b_le(b, s[i], 2);
}

static void b_end(builder *b)
{
    b_tlv(b, 0, NULL, 0);
}

/* A FILE field with the two names and optional extra raw fields. */
static void b_file(builder *b, const bitsdo_wchar *remote, const bitsdo_wchar *local, const builder *extra)
{
    builder inner;

    inner.len = 0;
    if (remote)
        b_str(&inner, 1, remote);
    if (local)
        b_str(&inner, 2, local);
    if (extra)
        b_bytes(&inner, extra->data, extra->len);
    b_tlv(b, 64, inner.data, (uint32_t)inner.len);
}

static bitsdo_hr read_builder(const builder *b, bitsdo_job_rec *rec)
{
    return bitsdo_job_rec_read(b->data, b->len, rec);
}

/* ------------------------------------------------------------------ */
/* Record basics */

static void test_init_defaults(void **state)
{
    bitsdo_job_rec rec;
    bitsdo_progress p;

    (void)state;
    memset(&rec, 0xEE, sizeof(rec));
    bitsdo_job_rec_init(&rec);
    assert_int_equal(rec.state, BITSDO_STATE_SUSPENDED);
    assert_int_equal(rec.priority, 2);     /* BG_JOB_PRIORITY_NORMAL */
    assert_int_equal(rec.notify_flags, 3); /* TRANSFERRED | ERROR */
    assert_int_equal(rec.min_retry_delay, 600);
    assert_int_equal(rec.no_progress_timeout, 1209600);
    assert_int_equal(rec.error_file, -1);
    assert_int_equal(rec.error_hr, 0);
    assert_int_equal(rec.type, 0);
    assert_int_equal(rec.file_count, 0);
    assert_null(rec.files);
    assert_null(rec.display_name);
    bitsdo_counters_read(&rec.counters, &p);
    assert_int_equal(p.bytes_total, 0);
    assert_int_equal(p.files_total, 0);
    bitsdo_job_rec_free(&rec);
    bitsdo_job_rec_free(&rec); /* twice is harmless */
}

static void test_set_wstr(void **state)
{
    bitsdo_wchar *field = NULL;

    (void)state;
    assert_int_equal(bitsdo_set_wstr(&field, u"one"), BITSDO_S_OK);
    expect_wstr(field, u"one");
    assert_int_equal(bitsdo_set_wstr(&field, u"two"), BITSDO_S_OK);
    expect_wstr(field, u"two");
    /* the field's own string as the new value */
    assert_int_equal(bitsdo_set_wstr(&field, field), BITSDO_S_OK);
    expect_wstr(field, u"two");
    assert_int_equal(bitsdo_set_wstr(&field, NULL), BITSDO_S_OK);
    assert_null(field);
    assert_int_equal(bitsdo_set_wstr(NULL, u"x"), BITSDO_E_INVALIDARG);
}

static void test_add_file(void **state)
{
    static const bitsdo_range ranges[2] = {{0, 10}, {100, 20}};
    static const bitsdo_range eof[2] = {{0, 10}, {100, UINT64_MAX}};
    bitsdo_job_rec rec;
    bitsdo_progress p;
    uint64_t total;
    uint32_t i;

    (void)state;
    bitsdo_job_rec_init(&rec);
    assert_int_equal(bitsdo_job_rec_add_file(&rec, u"http://h/a", u"C:\\a", NULL, 0), BITSDO_S_OK);
    assert_int_equal(bitsdo_job_rec_add_file(&rec, u"http://h/b", u"C:\\b", ranges, 2), BITSDO_S_OK);
    assert_int_equal(bitsdo_job_rec_add_file(&rec, u"http://h/c", u"C:\\c", eof, 2), BITSDO_S_OK);
    assert_int_equal(rec.file_count, 3);
    expect_wstr(rec.files[0]->remote_name, u"http://h/a");
    expect_wstr(rec.files[0]->local_name, u"C:\\a");
    assert_null(rec.files[0]->ranges);
    assert_null(rec.files[0]->temp_name);
    assert_int_equal(rec.files[1]->range_count, 2);
    assert_int_equal(rec.files[1]->ranges[1].offset, 100);
    bitsdo_counters_read_file(&rec.counters, &rec.files[0]->counters, &total, NULL, NULL);
    assert_int_equal(total, BITSDO_SIZE_UNKNOWN);
    bitsdo_counters_read_file(&rec.counters, &rec.files[1]->counters, &total, NULL, NULL);
    assert_int_equal(total, 30);
    bitsdo_counters_read_file(&rec.counters, &rec.files[2]->counters, &total, NULL, NULL);
    assert_int_equal(total, BITSDO_SIZE_UNKNOWN);
    bitsdo_counters_read(&rec.counters, &p);
    assert_int_equal(p.files_total, 3);
    assert_int_equal(p.bytes_total, BITSDO_SIZE_UNKNOWN);

    /* bad arguments change nothing */
    assert_int_equal(bitsdo_job_rec_add_file(&rec, NULL, u"C:\\x", NULL, 0), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_job_rec_add_file(&rec, u"http://h/x", NULL, NULL, 0), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_job_rec_add_file(&rec, u"http://h/x", u"C:\\x", NULL, 1), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_job_rec_add_file(NULL, u"http://h/x", u"C:\\x", NULL, 0), BITSDO_E_INVALIDARG);
    assert_int_equal(
        bitsdo_job_rec_add_file(&rec, u"http://h/x", u"C:\\x", ranges, BITSDO_MAX_RANGES_PER_FILE + 1),
        BITSDO_BG_E_TOO_MANY_RANGES_IN_FILE);
    assert_int_equal(rec.file_count, 3);

    /* up to 200 files, then BG_E_TOO_MANY_FILES_IN_JOB */
    for (i = 3; i < BITSDO_MAX_FILES_PER_JOB; i++)
        assert_int_equal(bitsdo_job_rec_add_file(&rec, u"http://h/n", u"C:\\n", NULL, 0), BITSDO_S_OK);
    assert_int_equal(bitsdo_job_rec_add_file(&rec, u"http://h/n", u"C:\\n", NULL, 0),
                     BITSDO_BG_E_TOO_MANY_FILES_IN_JOB);
    assert_int_equal(rec.file_count, BITSDO_MAX_FILES_PER_JOB);
    bitsdo_counters_read(&rec.counters, &p);
    assert_int_equal(p.files_total, BITSDO_MAX_FILES_PER_JOB);
    bitsdo_job_rec_free(&rec);
}

/* ------------------------------------------------------------------ */
/* Format */

static void test_round_trip(void **state)
{
    fixture *fx = *state;
    bitsdo_job_rec back;
    uint8_t *buf2;
    size_t len2;

    bitsdo_job_rec_init(&back);
    assert_int_equal(bitsdo_job_rec_read(fx->buf, fx->len, &back), BITSDO_S_OK);
    expect_same_record(&fx->rec, &back);
    assert_non_null(back.description); /* empty string stays empty, not NULL */
    assert_int_equal(back.description[0], 0);

    /* writing it again gives the same bytes */
    assert_int_equal(bitsdo_job_rec_write(&back, &buf2, &len2), BITSDO_S_OK);
    assert_int_equal(len2, fx->len);
    assert_memory_equal(buf2, fx->buf, len2);
    free(buf2);

    /* reading into a populated record replaces it without leaking */
    assert_int_equal(bitsdo_job_rec_read(fx->buf, fx->len, &back), BITSDO_S_OK);
    expect_same_record(&fx->rec, &back);
    bitsdo_job_rec_free(&back);
}

/* The round trip above only proves something for fields the fixture sets
 * to a value other than the default: check that it does, for every field
 * of bitsdo_job_rec and bitsdo_file_rec (extend both lists with the struct). */
static void test_fixture_sets_every_field(void **state)
{
    fixture *fx = *state;
    const bitsdo_job_rec *r = &fx->rec;
    bitsdo_job_rec d;
    int ranges = 0, temp = 0, validation = 0, validator = 0, mtime = 0, file_id = 0, partial = 0,
        complete = 0, unknown = 0;
    uint32_t i;
    static const uint8_t zero_id[16];

    bitsdo_job_rec_init(&d);
    assert_memory_not_equal(r->id, zero_id, 16);
    assert_int_not_equal(r->type, d.type);
    assert_int_not_equal(r->priority, d.priority);
    assert_int_not_equal(r->state, d.state);
    assert_non_null(r->display_name);
    assert_non_null(r->description);
    assert_non_null(r->owner_sid);
    assert_non_null(r->notify_program);
    assert_non_null(r->notify_parameters);
    assert_int_not_equal(r->notify_flags, d.notify_flags);
    assert_int_not_equal(r->min_retry_delay, d.min_retry_delay);
    assert_int_not_equal(r->no_progress_timeout, d.no_progress_timeout);
    assert_int_not_equal(r->error_count, d.error_count);
    assert_int_not_equal(r->created, d.created);
    assert_int_not_equal(r->modified, d.modified);
    assert_int_not_equal(r->transfer_completed, d.transfer_completed);
    assert_int_not_equal(r->proxy_usage, d.proxy_usage);
    assert_non_null(r->proxy_list);
    assert_non_null(r->proxy_bypass);
    assert_int_not_equal(r->error_hr, d.error_hr);
    assert_int_not_equal(r->error_context, d.error_context);
    assert_int_not_equal(r->error_file, d.error_file);
    assert_int_not_equal(r->peer_caching_flags, d.peer_caching_flags);
    assert_int_not_equal(r->file_acl_flags, d.file_acl_flags);
    assert_int_not_equal(r->max_download_time, d.max_download_time);
    assert_int_not_equal(r->cost_flags, d.cost_flags);
    assert_int_not_equal(r->dynamic_content, d.dynamic_content);
    assert_int_not_equal(r->high_performance, d.high_performance);
    assert_int_not_equal(r->max_download_size, d.max_download_size);
    assert_int_not_equal(r->min_notify_interval_ms, d.min_notify_interval_ms);
    assert_non_null(r->http_headers);
    assert_int_not_equal(r->security_flags, d.security_flags);
    assert_true(r->file_count > 1);
    /* every file field is set on at least one file; every counter shape occurs */
    for (i = 0; i < r->file_count; i++) {
        const bitsdo_file_rec *f = r->files[i];
        uint64_t total, done;
        int c;

        assert_non_null(f->remote_name);
        assert_non_null(f->local_name);
        ranges |= f->range_count > 0;
        temp |= f->temp_name != NULL;
        validation |= f->validation_state != 0;
        validator |= f->validator != NULL;
        mtime |= f->remote_mtime != 0;
        file_id |= f->file_id != NULL;
        bitsdo_counters_read_file(&r->counters, &f->counters, &total, &done, &c);
        partial |= !c && done > 0 && total != BITSDO_SIZE_UNKNOWN;
        complete |= c;
        unknown |= total == BITSDO_SIZE_UNKNOWN && done > 0;
    }
    assert_true(ranges && temp && validation && validator && mtime && file_id);
    assert_true(partial && complete && unknown);
    bitsdo_job_rec_free(&d);
}

static void test_round_trip_empty(void **state)
{
    bitsdo_job_rec rec, back;
    uint8_t *buf;
    size_t len;

    (void)state;
    bitsdo_job_rec_init(&rec);
    bitsdo_job_rec_init(&back);
    assert_int_equal(bitsdo_job_rec_write(&rec, &buf, &len), BITSDO_S_OK);
    assert_int_equal(bitsdo_job_rec_read(buf, len, &back), BITSDO_S_OK);
    expect_same_record(&rec, &back);
    assert_null(back.display_name);
    free(buf);
    bitsdo_job_rec_free(&rec);
    bitsdo_job_rec_free(&back);
}

static void test_header_and_layout(void **state)
{
    fixture *fx = *state;

    assert_true(fx->len > 8 + 6);
    assert_memory_equal(fx->buf, "BDJR", 4);
    assert_int_equal(fx->buf[4] | fx->buf[5] << 8, 1); /* major */
    assert_int_equal(fx->buf[6] | fx->buf[7] << 8, 2); /* minor */
    /* the last field is the empty end marker */
    assert_memory_equal(fx->buf + fx->len - 6, "\0\0\0\0\0\0", 6);
}

static void test_write_bad_arguments(void **state)
{
    fixture *fx = *state;
    uint8_t *buf = (uint8_t *)1;
    size_t len = 1;
    bitsdo_file_rec *saved;

    assert_int_equal(bitsdo_job_rec_write(NULL, &buf, &len), BITSDO_E_INVALIDARG);
    assert_null(buf);
    assert_int_equal(len, 0);
    assert_int_equal(bitsdo_job_rec_write(&fx->rec, NULL, &len), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_job_rec_write(&fx->rec, &buf, NULL), BITSDO_E_INVALIDARG);
    /* a hole in the file list is refused, not dereferenced */
    saved = fx->rec.files[1];
    fx->rec.files[1] = NULL;
    assert_int_equal(bitsdo_job_rec_write(&fx->rec, &buf, &len), BITSDO_E_INVALIDARG);
    fx->rec.files[1] = saved;
}

static void test_truncation_rejected(void **state)
{
    fixture *fx = *state;
    bitsdo_job_rec rec;
    size_t cut;

    bitsdo_job_rec_init(&rec);
    for (cut = 0; cut < fx->len; cut++) {
        /* a fresh copy of exactly cut bytes, so ASan sees any overread */
        uint8_t *copy = malloc(cut ? cut : 1);

        assert_non_null(copy);
        memcpy(copy, fx->buf, cut);
        assert_int_equal(bitsdo_job_rec_read(copy, cut, &rec), BITSDO_E_INVALIDARG);
        assert_int_equal(rec.file_count, 0);
        assert_int_equal(rec.state, BITSDO_STATE_SUSPENDED);
        free(copy);
    }
    /* trailing bytes after the end marker are malformed too */
    {
        uint8_t *longer = malloc(fx->len + 1);
        assert_non_null(longer);
        memcpy(longer, fx->buf, fx->len);
        longer[fx->len] = 0;
        assert_int_equal(bitsdo_job_rec_read(longer, fx->len + 1, &rec), BITSDO_E_INVALIDARG);
        free(longer);
    }
    assert_int_equal(bitsdo_job_rec_read(NULL, 10, &rec), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_job_rec_read(fx->buf, fx->len, NULL), BITSDO_E_INVALIDARG);
    bitsdo_job_rec_free(&rec);
}

static void test_byte_flips_never_crash(void **state)
{
    fixture *fx = *state;
    bitsdo_job_rec rec;
    uint8_t *copy = malloc(fx->len);
    unsigned round, accepted = 0;

    assert_non_null(copy);
    bitsdo_job_rec_init(&rec);
    for (round = 0; round < 20000; round++) {
        unsigned flips = 1 + rng() % 4, k;
        bitsdo_hr hr;

        memcpy(copy, fx->buf, fx->len);
        for (k = 0; k < flips; k++) {
            size_t at = rng() % fx->len;
            if (rng() & 1)
                copy[at] ^= (uint8_t)(1u << (rng() % 8));
            else
                copy[at] = (uint8_t)rng();
        }
        hr = bitsdo_job_rec_read(copy, fx->len, &rec);
        assert_true(hr == BITSDO_S_OK || hr == BITSDO_E_INVALIDARG);
        if (hr == BITSDO_S_OK) {
            uint8_t *again;
            size_t again_len;
            bitsdo_job_rec back;

            /* whatever was accepted is a record that writes and reads back */
            accepted++;
            assert_int_equal(bitsdo_job_rec_write(&rec, &again, &again_len), BITSDO_S_OK);
            bitsdo_job_rec_init(&back);
            assert_int_equal(bitsdo_job_rec_read(again, again_len, &back), BITSDO_S_OK);
            expect_same_record(&rec, &back);
            bitsdo_job_rec_free(&back);
            free(again);
        } else
            assert_int_equal(rec.file_count, 0);
    }
    /* flips in string or integer values stay readable */
    assert_true(accepted > 0);
    bitsdo_job_rec_free(&rec);
    free(copy);
}

static void test_random_bytes_never_crash(void **state)
{
    bitsdo_job_rec rec;
    uint8_t buf[256];
    unsigned round;

    (void)state;
    bitsdo_job_rec_init(&rec);
    for (round = 0; round < 20000; round++) {
        size_t len = rng() % sizeof(buf), i;
        uint8_t *copy;
        bitsdo_hr hr;

        for (i = 0; i < len; i++)
            buf[i] = (uint8_t)rng();
        if (len >= 8 && (round & 1)) {
            memcpy(buf, "BDJR\x01\x00\x00\x00", 8); /* get past the header */
            /* small tags and lengths, so fields are actually parsed */
            for (i = 8; i + 6 <= len; i += 6 + buf[i + 2] % 24) {
                buf[i] = (uint8_t)(rng() % 70);
                buf[i + 1] = 0;
                buf[i + 2] %= 24;
                buf[i + 3] = buf[i + 4] = buf[i + 5] = 0;
            }
        }
        copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, buf, len);
        hr = bitsdo_job_rec_read(copy, len, &rec);
        assert_true(hr == BITSDO_S_OK || hr == BITSDO_E_INVALIDARG);
        free(copy);
    }
    bitsdo_job_rec_free(&rec);
}

static void test_unknown_tags_skipped(void **state)
{
    builder b, extra;
    bitsdo_job_rec rec;
    static const uint8_t junk[5] = {1, 2, 3, 4, 5};

    (void)state;
    bitsdo_job_rec_init(&rec);
    b_header(&b, 1, 7); /* a later minor version */
    b_tlv(&b, 999, junk, 5);
    b_u32(&b, 3, 1); /* priority */
    b_tlv(&b, 40, junk, 0);
    extra.len = 0;
    b_tlv(&extra, 77, junk, 3); /* unknown file field */
    b_file(&b, u"http://h/a", u"C:\\a", &extra);
    b_tlv(&b, 65535, junk, 2);
    b_end(&b);
    assert_int_equal(read_builder(&b, &rec), BITSDO_S_OK);
    assert_int_equal(rec.priority, 1);
    assert_int_equal(rec.file_count, 1);
    expect_wstr(rec.files[0]->local_name, u"C:\\a");
    assert_null(rec.files[0]->file_id); /* a minor-0 record has none */
    /* defaults for what the record did not carry */
    assert_int_equal(rec.min_retry_delay, 600);
    assert_int_equal(rec.state, BITSDO_STATE_SUSPENDED);
    bitsdo_job_rec_free(&rec);
}

static void test_malformed_fields(void **state)
{
    builder b, extra;
    bitsdo_job_rec rec;
    uint8_t three[3] = {0, 0, 0};
    uint8_t counters[20];
    unsigned i;

    (void)state;
    bitsdo_job_rec_init(&rec);

#define EXPECT_REJECTED()                                              \
    do {                                                               \
        assert_int_equal(read_builder(&b, &rec), BITSDO_E_INVALIDARG); \
        assert_int_equal(rec.file_count, 0);                           \
    } while (0)

    /* baseline: header + end is a valid (default) record */
    b_header(&b, 1, 0);
    b_end(&b);
    assert_int_equal(read_builder(&b, &rec), BITSDO_S_OK);

    /* bad magic / major version / no end */
    b_header(&b, 1, 0);
    b.data[0] = 'X';
    b_end(&b);
    EXPECT_REJECTED();
    b_header(&b, 2, 0);
    b_end(&b);
    EXPECT_REJECTED();
    b_header(&b, 1, 0);
    EXPECT_REJECTED();
    /* end with a length, or followed by anything */
    b_header(&b, 1, 0);
    b_tlv(&b, 0, three, 3);
    EXPECT_REJECTED();
    b_header(&b, 1, 0);
    b_end(&b);
    b_u32(&b, 3, 1);
    EXPECT_REJECTED();
    /* length past the end */
    b_header(&b, 1, 0);
    b_le(&b, 3, 2);
    b_le(&b, 0xFFFFFFFFu, 4);
    b_end(&b);
    EXPECT_REJECTED();
    /* integer with the wrong size */
    b_header(&b, 1, 0);
    b_tlv(&b, 3, three, 3);
    b_end(&b);
    EXPECT_REJECTED();
    b_header(&b, 1, 0);
    b_tlv(&b, 14, three, 3); /* a u64 field */
    b_end(&b);
    EXPECT_REJECTED();
    b_header(&b, 1, 0);
    b_tlv(&b, 1, three, 3); /* the id is 16 bytes */
    b_end(&b);
    EXPECT_REJECTED();
    /* a state that does not exist */
    b_header(&b, 1, 0);
    b_u32(&b, 4, 9);
    b_end(&b);
    EXPECT_REJECTED();
    /* strings: odd length, embedded NUL */
    b_header(&b, 1, 0);
    b_tlv(&b, 5, three, 3);
    b_end(&b);
    EXPECT_REJECTED();
    b_header(&b, 1, 0);
    b_str(&b, 5, u"a");
    b_tlv(&b, 5, "a\0\0\0b\0", 6);
    b_end(&b);
    EXPECT_REJECTED();
    /* error_file beyond the files */
    b_header(&b, 1, 0);
    b_file(&b, u"http://h/a", u"C:\\a", NULL);
    b_u32(&b, 22, 1);
    b_end(&b);
    EXPECT_REJECTED();
    b_header(&b, 1, 0);
    b_u32(&b, 22, (uint32_t)-2);
    b_end(&b);
    EXPECT_REJECTED();
    b_header(&b, 1, 0);
    b_file(&b, u"http://h/a", u"C:\\a", NULL);
    b_u32(&b, 22, 0);
    b_end(&b);
    assert_int_equal(read_builder(&b, &rec), BITSDO_S_OK);
    assert_int_equal(rec.error_file, 0);
    /* a file without a local (or remote) name */
    b_header(&b, 1, 0);
    b_file(&b, u"http://h/a", NULL, NULL);
    b_end(&b);
    EXPECT_REJECTED();
    b_header(&b, 1, 0);
    b_file(&b, NULL, u"C:\\a", NULL);
    b_end(&b);
    EXPECT_REJECTED();
    /* a file field whose inner length overruns it */
    b_header(&b, 1, 0);
    extra.len = 0;
    b_le(&extra, 3, 2);
    b_le(&extra, 100, 4);
    b_file(&b, u"http://h/a", u"C:\\a", &extra);
    b_end(&b);
    EXPECT_REJECTED();
    /* ranges not a multiple of 16 */
    b_header(&b, 1, 0);
    extra.len = 0;
    b_tlv(&extra, 4, counters, 15);
    b_file(&b, u"http://h/a", u"C:\\a", &extra);
    b_end(&b);
    EXPECT_REJECTED();
    /* counters that no sequence of operations produces */
    {
        static const uint64_t bad[][3] = {
            {10, 11, 0},        /* more than the size */
            {10, 9, 1},         /* complete but short */
            {UINT64_MAX, 5, 1}, /* complete with unknown size */
            {10, 10, 2},        /* completed is a flag */
            {UINT64_MAX, UINT64_MAX, 0},
        };
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            unsigned k;
            for (k = 0; k < 8; k++) {
                counters[k] = (uint8_t)(bad[i][0] >> (8 * k));
                counters[8 + k] = (uint8_t)(bad[i][1] >> (8 * k));
            }
            for (k = 0; k < 4; k++)
                counters[16 + k] = (uint8_t)(bad[i][2] >> (8 * k));
            b_header(&b, 1, 0);
            extra.len = 0;
            b_tlv(&extra, 8, counters, 20);
            b_file(&b, u"http://h/a", u"C:\\a", &extra);
            b_end(&b);
            EXPECT_REJECTED();
        }
    }
    /* job counters of the wrong size */
    b_header(&b, 1, 0);
    b_tlv(&b, 33, counters, 20);
    b_end(&b);
    EXPECT_REJECTED();
#undef EXPECT_REJECTED
    bitsdo_job_rec_free(&rec);
}

static void test_too_many_files_rejected(void **state)
{
    static const uint8_t file[22] = {
        64, 0, 16, 0, 0, 0,         /* FILE, 16 bytes */
        1,  0, 2,  0, 0, 0, 'r', 0, /* remote "r" */
        2,  0, 2,  0, 0, 0, 'l', 0, /* local "l" */
    };
    size_t cap = 8 + (BITSDO_MAX_FILES_PER_JOB + 1) * sizeof(file) + 6, len, i;
    uint8_t *data = malloc(cap);
    bitsdo_job_rec rec;

    (void)state;
    assert_non_null(data);
    /* 201 minimal files, built by hand */
    memcpy(data, "BDJR\x01\x00\x00\x00", 8);
    len = 8;
    for (i = 0; i <= BITSDO_MAX_FILES_PER_JOB; i++) {
        memcpy(data + len, file, sizeof(file));
        len += sizeof(file);
    }
    memset(data + len, 0, 6);
    len += 6;
    assert_int_equal(len, cap);
    bitsdo_job_rec_init(&rec);
    assert_int_equal(bitsdo_job_rec_read(data, len, &rec), BITSDO_E_INVALIDARG);
    assert_int_equal(rec.file_count, 0);
    /* 200 are fine: drop the last file */
    memmove(data + len - 6 - sizeof(file), data + len - 6, 6);
    len -= sizeof(file);
    assert_int_equal(bitsdo_job_rec_read(data, len, &rec), BITSDO_S_OK);
    assert_int_equal(rec.file_count, BITSDO_MAX_FILES_PER_JOB);
    bitsdo_job_rec_free(&rec);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_defaults),
        cmocka_unit_test(test_set_wstr),
        cmocka_unit_test(test_add_file),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixture_sets_every_field, setup, teardown),
        cmocka_unit_test(test_round_trip_empty),
        cmocka_unit_test_setup_teardown(test_header_and_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_flips_never_crash, setup, teardown),
        cmocka_unit_test(test_random_bytes_never_crash),
        cmocka_unit_test(test_unknown_tags_skipped),
        cmocka_unit_test(test_malformed_fields),
        cmocka_unit_test(test_too_many_files_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
