/* Tests for progmap.c: the layout both bitnesses read, what a slot gives
 * back, a reader's bound when a writer died mid-write, and real
 * concurrency: two writers (bytes, state) and a reader that must never see
 * a torn slot, more bytes than the total, or figures going backwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "progmap.h"

#include "test_thread.h"

static const uint8_t job_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void test_layout(void **state)
{
    (void)state;
    assert_int_equal(64, sizeof(bitsdo_progmap_header));
    assert_int_equal(64, sizeof(bitsdo_pslot));
    assert_int_equal(24, offsetof(bitsdo_progmap_header, generation));
    assert_int_equal(32, offsetof(bitsdo_progmap_header, heartbeat));
    assert_int_equal(16, offsetof(bitsdo_pslot, bytes_total));
    assert_int_equal(40, offsetof(bitsdo_pslot, id));
    assert_int_equal(64 + 64 * BITSDO_PROGMAP_SLOTS, sizeof(bitsdo_progmap));
}

static void test_header(void **state)
{
    bitsdo_progmap *map = calloc(1, sizeof(*map));

    (void)state;
    assert_non_null(map);
    bitsdo_progmap_init(map, 1234, 0x0123456789abcdefull, 500);
    assert_int_equal(BITSDO_PROGMAP_MAGIC, map->header.magic);
    assert_memory_equal("BDPM", &map->header.magic, 4);
    assert_int_equal(1234, map->header.pid);
    assert_true(bitsdo_progmap_alive(&map->header));
    assert_int_equal(500, bitsdo_progmap_heartbeat(&map->header));
    bitsdo_progmap_beat(map, 750);
    assert_int_equal(750, bitsdo_progmap_heartbeat(&map->header));
    bitsdo_progmap_close(map);
    assert_false(bitsdo_progmap_alive(&map->header));
    assert_int_equal(0, bitsdo_progmap_heartbeat(&map->header));
    free(map);
}

static void test_publish_read_clear(void **state)
{
    bitsdo_pslot slot;
    bitsdo_counters c;
    bitsdo_file_counters f;
    bitsdo_pslot_status st = {6, 4, 0x80200010u};
    bitsdo_pslot_data d;

    (void)state;
    memset(&slot, 0, sizeof(slot));
    bitsdo_counters_init(&c);
    bitsdo_counters_add_file(&c, &f, 1000);
    assert_true(bitsdo_counters_add_bytes(&c, &f, 300));
    bitsdo_pslot_publish(&slot, &c, &st, job_id);
    assert_true(bitsdo_pslot_read(&slot, &d, 1));
    assert_memory_equal(job_id, d.id, 16);
    assert_int_equal(6, d.engine_state);
    assert_int_equal(4, d.public_state);
    assert_int_equal(0x80200010u, d.error_hr);
    assert_int_equal(1000, d.progress.bytes_total);
    assert_int_equal(300, d.progress.bytes_transferred);
    assert_int_equal(1, d.progress.files_total);
    assert_int_equal(0, d.progress.files_transferred);

    /* counters only: the status and id stay */
    bitsdo_counters_file_done(&c, &f);
    bitsdo_pslot_publish(&slot, &c, NULL, NULL);
    assert_true(bitsdo_pslot_read(&slot, &d, 1));
    assert_int_equal(4, d.public_state);
    assert_memory_equal(job_id, d.id, 16);
    assert_int_equal(300, d.progress.bytes_total);
    assert_int_equal(1, d.progress.files_transferred);

    bitsdo_pslot_clear(&slot);
    assert_true(bitsdo_pslot_read(&slot, &d, 1));
    {
        static const uint8_t none[16];
        assert_memory_equal(none, d.id, 16);
    }
    assert_int_equal(0, d.progress.files_total);
}

/* A host killed while writing leaves the sequence odd: readers give up. */
static void test_reader_bounded(void **state)
{
    bitsdo_pslot slot;
    bitsdo_pslot_data d;

    (void)state;
    memset(&slot, 0, sizeof(slot));
    atomic_store(&slot.seq, 7u);
    assert_false(bitsdo_pslot_read(&slot, &d, 1000));
}

#define TOTAL (64u * 1024u * 1024u)
#define STEP  4096u

struct shared {
    bitsdo_pslot slot;
    bitsdo_counters c;
    bitsdo_file_counters f;
    bitsdo_atomic_u32 done;
    bitsdo_atomic_u32 reader_on; /* the writers start once the reader does */
    unsigned torn, backwards, over, reads;
};

static void bytes_writer(void *arg)
{
    struct shared *s = arg;
    uint64_t n;

    while (!atomic_load(&s->reader_on))
        test_yield(); /* set by the main thread right after starting us */
    for (n = 0; n < TOTAL; n += STEP) {
        bitsdo_counters_add_bytes(&s->c, &s->f, STEP);
        bitsdo_pslot_publish(&s->slot, &s->c, NULL, NULL);
    }
    bitsdo_counters_file_done(&s->c, &s->f);
    bitsdo_pslot_publish(&s->slot, &s->c, NULL, NULL);
    atomic_store(&s->done, 1u);
}

/* Publishes the state with a snapshot of the counters it reads itself, as
 * a caller thread does next to the worker. */
static void state_writer(void *arg)
{
    struct shared *s = arg;
    bitsdo_pslot_status st = {4, 4, 0};
    unsigned i = 0;

    while (!atomic_load(&s->done)) {
        st.engine_state = st.public_state = 3 + (i++ & 1);
        st.error_hr = st.engine_state * 0x1000u; /* tied: a torn read shows */
        bitsdo_pslot_publish(&s->slot, &s->c, &st, job_id);
        test_yield();
    }
}

static void test_concurrent(void **state)
{
    struct shared *s = calloc(1, sizeof(*s));
    test_thread w1, w2;
    bitsdo_pslot_data d;
    uint64_t last = 0;

    (void)state;
    assert_non_null(s);
    bitsdo_counters_init(&s->c);
    bitsdo_counters_add_file(&s->c, &s->f, TOTAL);
    bitsdo_pslot_publish(&s->slot, &s->c, NULL, job_id);
    assert_true(test_thread_start(&w1, bytes_writer, s));
    assert_true(test_thread_start(&w2, state_writer, s));
    atomic_store(&s->reader_on, 1u);
    do {
        if (!bitsdo_pslot_read(&s->slot, &d, 1000000))
            continue;
        s->reads++;
        if (memcmp(d.id, job_id, 16) || (d.engine_state && d.error_hr != d.engine_state * 0x1000u))
            s->torn++;
        if (d.progress.bytes_transferred > d.progress.bytes_total)
            s->over++;
        if (d.progress.bytes_transferred < last)
            s->backwards++;
        last = d.progress.bytes_transferred;
    } while (!atomic_load(&s->done));
    assert_true(test_thread_join(w1, 120));
    assert_true(test_thread_join(w2, 120));
    assert_true(bitsdo_pslot_read(&s->slot, &d, 1));
    assert_int_equal(TOTAL, d.progress.bytes_transferred);
    assert_int_equal(1, d.progress.files_transferred);
    assert_int_equal(0, s->torn);
    assert_int_equal(0, s->over);
    assert_int_equal(0, s->backwards);
    assert_true(s->reads > 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_publish_read_clear),
        cmocka_unit_test(test_reader_bounded),
        cmocka_unit_test(test_concurrent),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
