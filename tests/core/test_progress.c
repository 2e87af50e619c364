/* Tests for progress.c: the counter rules, and real concurrency between
 * writers and a reader that must never see a torn snapshot; and, for 32-bit
 * builds above all, that no 64-bit value is ever read half old, half new. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "progress.h"

#include "test_thread.h"

/* ------------------------------------------------------------------ */
/* Single-threaded rules */

typedef struct fixture {
    bitsdo_counters c;
    bitsdo_file_counters f[4];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    int i;

    if (!fx)
        return -1;
    bitsdo_counters_init(&fx->c);
    for (i = 0; i < 4; i++)
        bitsdo_file_counters_init(&fx->f[i]);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void expect_job(const bitsdo_counters *c, uint64_t total, uint64_t done, uint32_t files,
                       uint32_t files_done)
{
    bitsdo_progress p;

    memset(&p, 0xCC, sizeof(p));
    bitsdo_counters_read(c, &p);
    assert_int_equal(p.bytes_total, total);
    assert_int_equal(p.bytes_transferred, done);
    assert_int_equal(p.files_total, files);
    assert_int_equal(p.files_transferred, files_done);
}

static void expect_file(const bitsdo_counters *c, const bitsdo_file_counters *f, uint64_t total,
                        uint64_t done, int completed)
{
    uint64_t t = 1, d = 1;
    int comp = -1;

    bitsdo_counters_read_file(c, f, &t, &d, &comp);
    assert_int_equal(t, total);
    assert_int_equal(d, done);
    assert_int_equal(comp, completed);
}

static void test_empty_job(void **state)
{
    fixture *fx = *state;

    expect_job(&fx->c, 0, 0, 0, 0);
    expect_file(&fx->c, &fx->f[0], BITSDO_SIZE_UNKNOWN, 0, 0);
}

static void test_known_sizes(void **state)
{
    fixture *fx = *state;

    bitsdo_counters_add_file(&fx->c, &fx->f[0], 100);
    bitsdo_counters_add_file(&fx->c, &fx->f[1], 50);
    expect_job(&fx->c, 150, 0, 2, 0);
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 60));
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[1], 50));
    expect_job(&fx->c, 150, 110, 2, 0);
    expect_file(&fx->c, &fx->f[0], 100, 60, 0);
    bitsdo_counters_file_done(&fx->c, &fx->f[1]);
    expect_job(&fx->c, 150, 110, 2, 1);
    expect_file(&fx->c, &fx->f[1], 50, 50, 1);
    /* done twice counts once */
    bitsdo_counters_file_done(&fx->c, &fx->f[1]);
    expect_job(&fx->c, 150, 110, 2, 1);
}

static void test_add_bytes_refuses_past_size(void **state)
{
    fixture *fx = *state;

    bitsdo_counters_add_file(&fx->c, &fx->f[0], 10);
    assert_false(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 11));
    expect_job(&fx->c, 10, 0, 1, 0);
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 4));
    assert_false(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 7));
    expect_file(&fx->c, &fx->f[0], 10, 4, 0);
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 6));
    assert_false(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 1));
    assert_false(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], UINT64_MAX));
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 0));
    expect_job(&fx->c, 10, 10, 1, 0);

    /* a zero-length file takes no bytes at all */
    bitsdo_counters_add_file(&fx->c, &fx->f[1], 0);
    assert_false(bitsdo_counters_add_bytes(&fx->c, &fx->f[1], 1));
    bitsdo_counters_file_done(&fx->c, &fx->f[1]);
    expect_job(&fx->c, 10, 10, 2, 1);
}

static void test_unknown_size(void **state)
{
    fixture *fx = *state;

    bitsdo_counters_add_file(&fx->c, &fx->f[0], 100);
    bitsdo_counters_add_file(&fx->c, &fx->f[1], BITSDO_SIZE_UNKNOWN);
    bitsdo_counters_add_file(&fx->c, &fx->f[2], BITSDO_SIZE_UNKNOWN);
    expect_job(&fx->c, BITSDO_SIZE_UNKNOWN, 0, 3, 0);
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[1], 1000));
    expect_file(&fx->c, &fx->f[1], BITSDO_SIZE_UNKNOWN, 1000, 0);
    expect_job(&fx->c, BITSDO_SIZE_UNKNOWN, 1000, 3, 0);

    /* one size learnt: still unknown while another is missing */
    bitsdo_counters_set_size(&fx->c, &fx->f[2], 30);
    expect_job(&fx->c, BITSDO_SIZE_UNKNOWN, 1000, 3, 0);
    /* completion fixes an unknown size to what arrived */
    bitsdo_counters_file_done(&fx->c, &fx->f[1]);
    expect_file(&fx->c, &fx->f[1], 1000, 1000, 1);
    expect_job(&fx->c, 1130, 1000, 3, 1);
    /* forgetting a size makes the total unknown again */
    bitsdo_counters_set_size(&fx->c, &fx->f[2], BITSDO_SIZE_UNKNOWN);
    expect_job(&fx->c, BITSDO_SIZE_UNKNOWN, 1000, 3, 1);
    bitsdo_counters_set_size(&fx->c, &fx->f[2], 40);
    expect_job(&fx->c, 1140, 1000, 3, 1);
    /* same size again: nothing changes */
    bitsdo_counters_set_size(&fx->c, &fx->f[2], 40);
    expect_job(&fx->c, 1140, 1000, 3, 1);
}

static void test_set_size_changes(void **state)
{
    fixture *fx = *state;

    bitsdo_counters_add_file(&fx->c, &fx->f[0], 100);
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 80));
    /* grows: keeps the bytes */
    bitsdo_counters_set_size(&fx->c, &fx->f[0], 200);
    expect_file(&fx->c, &fx->f[0], 200, 80, 0);
    expect_job(&fx->c, 200, 80, 1, 0);
    /* shrinks below what we hold: the file starts over */
    bitsdo_counters_set_size(&fx->c, &fx->f[0], 50);
    expect_file(&fx->c, &fx->f[0], 50, 0, 0);
    expect_job(&fx->c, 50, 0, 1, 0);
    /* a completed file whose size changes is no longer complete */
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 50));
    bitsdo_counters_file_done(&fx->c, &fx->f[0]);
    expect_job(&fx->c, 50, 50, 1, 1);
    bitsdo_counters_set_size(&fx->c, &fx->f[0], 60);
    expect_file(&fx->c, &fx->f[0], 60, 50, 0);
    expect_job(&fx->c, 60, 50, 1, 0);
}

static void test_set_bytes(void **state)
{
    fixture *fx = *state;

    bitsdo_counters_add_file(&fx->c, &fx->f[0], 100);
    bitsdo_counters_add_file(&fx->c, &fx->f[1], BITSDO_SIZE_UNKNOWN);
    /* resume: bytes already in the temp file */
    bitsdo_counters_set_bytes(&fx->c, &fx->f[0], 40);
    bitsdo_counters_set_bytes(&fx->c, &fx->f[1], 7);
    expect_job(&fx->c, BITSDO_SIZE_UNKNOWN, 47, 2, 0);
    /* capped at the known size */
    bitsdo_counters_set_bytes(&fx->c, &fx->f[0], 1000);
    expect_file(&fx->c, &fx->f[0], 100, 100, 0);
    bitsdo_counters_file_done(&fx->c, &fx->f[0]);
    expect_job(&fx->c, BITSDO_SIZE_UNKNOWN, 107, 2, 1);
    /* restart clears completion */
    bitsdo_counters_set_bytes(&fx->c, &fx->f[0], 0);
    expect_file(&fx->c, &fx->f[0], 100, 0, 0);
    expect_job(&fx->c, BITSDO_SIZE_UNKNOWN, 7, 2, 0);
}

static void test_file_done_known_short(void **state)
{
    fixture *fx = *state;

    /* The transfer is authoritative: a file that ended early is as long as
     * what arrived, so FilesTransferred never counts missing bytes. */
    bitsdo_counters_add_file(&fx->c, &fx->f[0], 100);
    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[0], 30));
    bitsdo_counters_file_done(&fx->c, &fx->f[0]);
    expect_file(&fx->c, &fx->f[0], 30, 30, 1);
    expect_job(&fx->c, 30, 30, 1, 1);
}

static void test_add_file_reinitialises(void **state)
{
    fixture *fx = *state;

    assert_true(bitsdo_counters_add_bytes(&fx->c, &fx->f[3], 5)); /* stray, unknown size */
    bitsdo_counters_init(&fx->c);
    bitsdo_counters_add_file(&fx->c, &fx->f[3], 9);
    expect_file(&fx->c, &fx->f[3], 9, 0, 0);
    expect_job(&fx->c, 9, 0, 1, 0);
}

static void test_read_file_null_outputs(void **state)
{
    fixture *fx = *state;
    uint64_t t = 0;

    bitsdo_counters_add_file(&fx->c, &fx->f[0], 8);
    bitsdo_counters_read_file(&fx->c, &fx->f[0], NULL, NULL, NULL);
    bitsdo_counters_read_file(&fx->c, &fx->f[0], &t, NULL, NULL);
    assert_int_equal(t, 8);
}

/* ------------------------------------------------------------------ */
/* Concurrency: writers add files of size FILE_SIZE (some first unknown)
 * in CHUNKS chunks each, while a reader snapshots without pause. */

#define FILE_SIZE        4096u
#define CHUNKS           16u
#define FILES_PER_WRITER 3000u
#define WRITERS          2u
#define TIME_LIMIT       60 /* seconds: every wait below is bounded */

typedef struct shared {
    bitsdo_counters c;
    bitsdo_file_counters *files; /* FILES_PER_WRITER per writer */
    _Atomic uint32_t writers_done;
    _Atomic uint32_t reader_started;
    _Atomic uint64_t snapshots;
    time_t deadline;
    /* what the reader found, checked on the main thread */
    uint64_t torn_total, torn_bytes, torn_files, not_monotonic, file_torn;
    uint64_t in_progress; /* snapshots taken mid-transfer */
    int writer_failed[WRITERS];
} shared;

typedef struct writer_arg {
    shared *sh;
    unsigned index;
} writer_arg;

/* Waits (bounded) until the reader has taken another snapshot, so the
 * threads interleave even on one CPU. */
static int wait_for_reader(shared *sh)
{
    uint64_t seen = atomic_load(&sh->snapshots);

    while (atomic_load(&sh->snapshots) == seen) {
        if (time(NULL) > sh->deadline)
            return 0;
        test_yield();
    }
    return 1;
}

static void writer_main(void *p)
{
    writer_arg *wa = p;
    shared *sh = wa->sh;
    unsigned i, k;

    while (!atomic_load(&sh->reader_started)) {
        if (time(NULL) > sh->deadline) {
            sh->writer_failed[wa->index] = 1;
            goto out;
        }
        test_yield();
    }
    for (i = 0; i < FILES_PER_WRITER; i++) {
        bitsdo_file_counters *f = &sh->files[wa->index * FILES_PER_WRITER + i];
        int unknown = (i % 3) == 0;

        bitsdo_counters_add_file(&sh->c, f, unknown ? BITSDO_SIZE_UNKNOWN : FILE_SIZE);
        for (k = 0; k < CHUNKS; k++) {
            if (unknown && k == CHUNKS / 2)
                bitsdo_counters_set_size(&sh->c, f, FILE_SIZE);
            if (!bitsdo_counters_add_bytes(&sh->c, f, FILE_SIZE / CHUNKS)) {
                sh->writer_failed[wa->index] = 1;
                goto out;
            }
        }
        /* a refused overrun must change nothing */
        if (bitsdo_counters_add_bytes(&sh->c, f, 1)) {
            sh->writer_failed[wa->index] = 1;
            goto out;
        }
        bitsdo_counters_file_done(&sh->c, f);
        if (i % 64 == 0 && !wait_for_reader(sh)) {
            sh->writer_failed[wa->index] = 1;
            goto out;
        }
    }
out:
    atomic_fetch_add(&sh->writers_done, 1);
}

static void reader_main(void *p)
{
    shared *sh = p;
    bitsdo_progress prev = {0, 0, 0, 0};

    atomic_store(&sh->reader_started, 1);
    for (;;) {
        int last = atomic_load(&sh->writers_done) == WRITERS;
        bitsdo_progress s;
        uint64_t max_bytes;
        uint32_t idx;

        bitsdo_counters_read(&sh->c, &s);
        max_bytes = (uint64_t)s.files_total * FILE_SIZE;

        if (s.bytes_total != BITSDO_SIZE_UNKNOWN &&
            (s.bytes_transferred > s.bytes_total || s.bytes_total != max_bytes))
            sh->torn_total++;
        /* every counted file's bytes are counted, and no more bytes than
         * the files hold */
        if (s.bytes_transferred < (uint64_t)s.files_transferred * FILE_SIZE ||
            s.bytes_transferred > max_bytes)
            sh->torn_bytes++;
        if (s.files_transferred > s.files_total)
            sh->torn_files++;
        if (s.bytes_transferred < prev.bytes_transferred || s.files_transferred < prev.files_transferred ||
            s.files_total < prev.files_total)
            sh->not_monotonic++;
        if (s.files_transferred > 0 && s.files_transferred < WRITERS * FILES_PER_WRITER)
            sh->in_progress++;

        /* one file snapshot per round, rotating over the files */
        idx = (uint32_t)(atomic_load(&sh->snapshots) % (WRITERS * FILES_PER_WRITER));
        {
            uint64_t t, d;
            int comp;

            bitsdo_counters_read_file(&sh->c, &sh->files[idx], &t, &d, &comp);
            if ((t != BITSDO_SIZE_UNKNOWN && d > t) || (comp && d != t) || (comp && t != FILE_SIZE))
                sh->file_torn++;
        }
        prev = s;
        atomic_fetch_add(&sh->snapshots, 1);
        if (last || time(NULL) > sh->deadline)
            break;
    }
}

static void test_concurrent_reader_never_torn(void **state)
{
    shared *sh = calloc(1, sizeof(*sh));
    writer_arg wa[WRITERS];
    test_thread reader, writers[WRITERS];
    unsigned i;
    bitsdo_progress final;

    (void)state;
    assert_non_null(sh);
    sh->files = calloc(WRITERS * FILES_PER_WRITER, sizeof(*sh->files));
    assert_non_null(sh->files);
    bitsdo_counters_init(&sh->c);
    for (i = 0; i < WRITERS * FILES_PER_WRITER; i++)
        bitsdo_file_counters_init(&sh->files[i]);
    atomic_init(&sh->writers_done, 0);
    atomic_init(&sh->reader_started, 0);
    atomic_init(&sh->snapshots, 0);
    sh->deadline = time(NULL) + TIME_LIMIT;

    assert_true(test_thread_start(&reader, reader_main, sh));
    for (i = 0; i < WRITERS; i++) {
        wa[i].sh = sh;
        wa[i].index = i;
        assert_true(test_thread_start(&writers[i], writer_main, &wa[i]));
    }
    for (i = 0; i < WRITERS; i++)
        assert_true(test_thread_join(writers[i], TIME_LIMIT + 10));
    assert_true(test_thread_join(reader, TIME_LIMIT + 10));

    for (i = 0; i < WRITERS; i++)
        assert_int_equal(sh->writer_failed[i], 0);
    assert_true(time(NULL) <= sh->deadline);
    assert_int_equal(sh->torn_total, 0);
    assert_int_equal(sh->torn_bytes, 0);
    assert_int_equal(sh->torn_files, 0);
    assert_int_equal(sh->not_monotonic, 0);
    assert_int_equal(sh->file_torn, 0);
    /* the writers waited for the reader every 64 files */
    assert_true(atomic_load(&sh->snapshots) >= WRITERS * FILES_PER_WRITER / 64);
    assert_true(sh->in_progress > 0);

    /* no update was lost between the two writers */
    bitsdo_counters_read(&sh->c, &final);
    assert_int_equal(final.files_total, WRITERS * FILES_PER_WRITER);
    assert_int_equal(final.files_transferred, WRITERS * FILES_PER_WRITER);
    assert_int_equal(final.bytes_total, (uint64_t)WRITERS * FILES_PER_WRITER * FILE_SIZE);
    assert_int_equal(final.bytes_transferred, (uint64_t)WRITERS * FILES_PER_WRITER * FILE_SIZE);

    free(sh->files);
    free(sh);
}

/* Writers on two threads hammer the shared job sums: none may be lost. */
#define HAMMER_ROUNDS 1000000u

typedef struct hammer {
    bitsdo_counters *c;
    bitsdo_file_counters *f;
    _Atomic uint32_t *go;
    int failed;
} hammer;

static void hammer_main(void *p)
{
    hammer *h = p;
    time_t deadline = time(NULL) + TIME_LIMIT;
    unsigned i;

    /* start together, so the two really overlap */
    atomic_fetch_add(h->go, 1);
    while (atomic_load(h->go) < 2) {
        if (time(NULL) > deadline) {
            h->failed = 1;
            return;
        }
        test_yield();
    }
    for (i = 0; i < HAMMER_ROUNDS; i++) {
        if (!bitsdo_counters_add_bytes(h->c, h->f, 1))
            h->failed = 1;
    }
}

static void test_concurrent_writers_serialised(void **state)
{
    bitsdo_counters c;
    bitsdo_file_counters f[2];
    _Atomic uint32_t go;
    hammer h[2];
    test_thread th[2];
    bitsdo_progress p;
    uint64_t d0, d1;
    unsigned i;

    (void)state;
    bitsdo_counters_init(&c);
    atomic_init(&go, 0);
    for (i = 0; i < 2; i++) {
        bitsdo_counters_add_file(&c, &f[i], BITSDO_SIZE_UNKNOWN);
        h[i].c = &c;
        h[i].f = &f[i];
        h[i].go = &go;
        h[i].failed = 0;
    }
    for (i = 0; i < 2; i++)
        assert_true(test_thread_start(&th[i], hammer_main, &h[i]));
    for (i = 0; i < 2; i++)
        assert_true(test_thread_join(th[i], TIME_LIMIT + 10));
    assert_int_equal(h[0].failed, 0);
    assert_int_equal(h[1].failed, 0);
    bitsdo_counters_read(&c, &p);
    bitsdo_counters_read_file(&c, &f[0], NULL, &d0, NULL);
    bitsdo_counters_read_file(&c, &f[1], NULL, &d1, NULL);
    assert_int_equal(d0, HAMMER_ROUNDS);
    assert_int_equal(d1, HAMMER_ROUNDS);
    assert_int_equal(p.bytes_transferred, 2 * (uint64_t)HAMMER_ROUNDS);
}

/* ------------------------------------------------------------------ */
/* Torn 64-bit values. On 32-bit x86 a 64-bit read that is not one 8-byte
 * access can return the high half of one value with the low half of the
 * next. Every value written below is wide(k): high half k, low half
 * k * WIDE_MUL (a bijection, WIDE_MUL being odd), so a value whose halves
 * came from two different writes fails wide_ok. One writer thread advances
 * k a bounded number of steps; WIDE_READERS threads read as fast as they
 * can until it is done. */

#define WIDE_MUL      0x9E3779B1u
#define WIDE_READERS  2u
#define WIDE_STEPS    200000u /* plain 64-bit stores */
#define COUNTER_STEPS 20000u  /* seqlock write sections: 2 or 4 per step */
#define SMALL_EVERY   64u     /* a zero-length file added and done every ... steps */

static uint64_t wide(uint32_t k)
{
    return ((uint64_t)k << 32) | (uint32_t)(k * WIDE_MUL);
}

static int wide_ok(uint64_t v)
{
    return (uint32_t)v == (uint32_t)((uint32_t)(v >> 32) * WIDE_MUL);
}

typedef struct wide_shared {
    bitsdo_atomic_u64 value;   /* the plain atomic test */
    bitsdo_counters c;         /* the seqlock test */
    bitsdo_file_counters big;
    bitsdo_file_counters *small;
    _Atomic uint32_t readers_started;
    _Atomic uint32_t writer_done;
    _Atomic uint64_t reads;
    time_t deadline;
    int writer_failed;
    /* per reader, checked on the main thread */
    uint64_t torn[WIDE_READERS], backwards[WIDE_READERS], inconsistent[WIDE_READERS];
    uint64_t mid[WIDE_READERS]; /* reads that saw neither the first nor the last value */
} wide_shared;

typedef struct wide_reader {
    wide_shared *sh;
    unsigned index;
} wide_reader;

/* The writer's start and pacing: it begins once every reader runs, and
 * every 1024 steps waits (bounded) for one more read, so that the threads
 * interleave even on one CPU. */
static int wide_wait_readers(wide_shared *sh)
{
    while (atomic_load(&sh->readers_started) < WIDE_READERS) {
        if (time(NULL) > sh->deadline)
            return 0;
        test_yield();
    }
    return 1;
}

static int wide_pace(wide_shared *sh, uint32_t k)
{
    uint64_t seen;

    if (k % 1024u)
        return 1;
    seen = atomic_load(&sh->reads);
    while (atomic_load(&sh->reads) == seen) {
        if (time(NULL) > sh->deadline)
            return 0;
        test_yield();
    }
    return 1;
}

static void wide_store_writer(void *p)
{
    wide_shared *sh = p;
    uint32_t k;

    if (!wide_wait_readers(sh)) {
        sh->writer_failed = 1;
        goto out;
    }
    for (k = 1; k <= WIDE_STEPS; k++) {
        bitsdo__store64(&sh->value, wide(k));
        if (!wide_pace(sh, k)) {
            sh->writer_failed = 1;
            break;
        }
    }
out:
    atomic_store(&sh->writer_done, 1);
}

static void wide_store_reader(void *p)
{
    wide_reader *r = p;
    wide_shared *sh = r->sh;
    uint64_t prev = 0;

    atomic_fetch_add(&sh->readers_started, 1);
    for (;;) {
        int last = atomic_load(&sh->writer_done) != 0;
        uint64_t v = bitsdo__load64(&sh->value);

        if (!wide_ok(v))
            sh->torn[r->index]++;
        else if (v < prev)
            sh->backwards[r->index]++;
        if (v != wide(0) && v != wide(WIDE_STEPS))
            sh->mid[r->index]++;
        prev = v;
        atomic_fetch_add(&sh->reads, 1);
        if (last)
            break;
    }
}

static void run_wide(wide_shared *sh, void (*writer)(void *), void (*reader)(void *))
{
    wide_reader wr[WIDE_READERS];
    test_thread readers[WIDE_READERS], w;
    unsigned i;

    sh->deadline = time(NULL) + TIME_LIMIT;
    for (i = 0; i < WIDE_READERS; i++) {
        wr[i].sh = sh;
        wr[i].index = i;
        assert_true(test_thread_start(&readers[i], reader, &wr[i]));
    }
    assert_true(test_thread_start(&w, writer, sh));
    assert_true(test_thread_join(w, TIME_LIMIT + 10));
    for (i = 0; i < WIDE_READERS; i++)
        assert_true(test_thread_join(readers[i], TIME_LIMIT + 10));
    assert_int_equal(sh->writer_failed, 0);
    for (i = 0; i < WIDE_READERS; i++) {
        if (sh->torn[i] || sh->backwards[i] || sh->inconsistent[i])
            print_error("reader %u: %llu torn, %llu backwards, %llu inconsistent of %llu mid-run reads\n", i,
                        (unsigned long long)sh->torn[i], (unsigned long long)sh->backwards[i],
                        (unsigned long long)sh->inconsistent[i], (unsigned long long)sh->mid[i]);
        assert_int_equal(sh->torn[i], 0);
        assert_int_equal(sh->backwards[i], 0);
        assert_int_equal(sh->inconsistent[i], 0);
        /* the writer waited for reads while it ran */
        assert_true(sh->mid[i] > 0 || sh->mid[(i + 1) % WIDE_READERS] > 0);
    }
}

/* bitsdo__load64 / bitsdo__store64 alone: one 8-byte access each. */
static void test_atomic64_never_torn(void **state)
{
    wide_shared *sh = calloc(1, sizeof(*sh));

    (void)state;
    assert_non_null(sh);
    /* 8-byte aligned as struct fields too (GCC < 11.1 gave 4 on i386) */
    assert_int_equal((uintptr_t)&sh->value % 8, 0);
    assert_int_equal((uintptr_t)&sh->c.known_bytes % 8, 0);
    assert_int_equal((uintptr_t)&sh->c.bytes_transferred % 8, 0);
    assert_int_equal((uintptr_t)&sh->big.bytes_total % 8, 0);
    assert_int_equal((uintptr_t)&sh->big.bytes_transferred % 8, 0);
    atomic_init(&sh->value, wide(0));
    run_wide(sh, wide_store_writer, wide_store_reader);
    assert_int_equal(bitsdo__load64(&sh->value), wide(WIDE_STEPS));
    free(sh);
}

/* The job and file counters through the seqlock writers: one big file
 * whose known size is wide(k + 1) and whose bytes are wide(k) after step k
 * (the size grows first, then the bytes), and zero-length files added and
 * completed now and then. */
static void wide_counter_writer(void *p)
{
    wide_shared *sh = p;
    uint32_t k, small = 0;

    if (!wide_wait_readers(sh)) {
        sh->writer_failed = 1;
        goto out;
    }
    for (k = 1; k <= COUNTER_STEPS; k++) {
        bitsdo_counters_set_size(&sh->c, &sh->big, wide(k + 1));
        bitsdo_counters_set_bytes(&sh->c, &sh->big, wide(k));
        if (k % SMALL_EVERY == 0) {
            bitsdo_counters_add_file(&sh->c, &sh->small[small], 0);
            bitsdo_counters_file_done(&sh->c, &sh->small[small]);
            small++;
        }
        if (!wide_pace(sh, k)) {
            sh->writer_failed = 1;
            break;
        }
    }
out:
    atomic_store(&sh->writer_done, 1);
}

static void wide_counter_reader(void *p)
{
    wide_reader *r = p;
    wide_shared *sh = r->sh;
    bitsdo_progress prev = {0, 0, 0, 0};
    uint64_t prev_file_total = 0, prev_file_done = 0;

    atomic_fetch_add(&sh->readers_started, 1);
    for (;;) {
        int last = atomic_load(&sh->writer_done) != 0;
        bitsdo_progress s;
        uint64_t t, d;
        int comp;
        int bad = 0;

        bitsdo_counters_read(&sh->c, &s);
        /* zero-length files add no bytes: the job's bytes are the big file's */
        if (s.bytes_total == BITSDO_SIZE_UNKNOWN || !wide_ok(s.bytes_total) || !wide_ok(s.bytes_transferred))
            sh->torn[r->index]++;
        else if (s.bytes_transferred < prev.bytes_transferred || s.bytes_total < prev.bytes_total ||
                 s.files_total < prev.files_total || s.files_transferred < prev.files_transferred)
            sh->backwards[r->index]++;
        /* one snapshot: size of step k+1 with the bytes of step k-1 or k;
         * the big file never completes, each small one is 0 or 1 section
         * behind */
        if (s.bytes_transferred > s.bytes_total || s.files_transferred > s.files_total)
            bad = 1;
        else if (s.bytes_total >> 32 != (s.bytes_transferred >> 32) + 1 &&
                 s.bytes_total >> 32 != (s.bytes_transferred >> 32) + 2)
            bad = 1;
        else if (s.files_total - s.files_transferred != 1 && s.files_total - s.files_transferred != 2)
            bad = 1;
        if ((s.bytes_transferred >> 32) > 0 && (s.bytes_transferred >> 32) < COUNTER_STEPS)
            sh->mid[r->index]++;

        bitsdo_counters_read_file(&sh->c, &sh->big, &t, &d, &comp);
        if (!wide_ok(t) || !wide_ok(d))
            sh->torn[r->index]++;
        else if (t < prev_file_total || d < prev_file_done)
            sh->backwards[r->index]++;
        if (d > t || comp || (t >> 32 != (d >> 32) + 1 && t >> 32 != (d >> 32) + 2))
            bad = 1;
        sh->inconsistent[r->index] += bad;
        prev = s;
        prev_file_total = t;
        prev_file_done = d;
        atomic_fetch_add(&sh->reads, 1);
        if (last)
            break;
    }
}

static void test_counters_64bit_never_torn(void **state)
{
    wide_shared *sh = calloc(1, sizeof(*sh));
    bitsdo_progress final;
    uint32_t i, smalls = COUNTER_STEPS / SMALL_EVERY;

    (void)state;
    assert_non_null(sh);
    sh->small = calloc(smalls, sizeof(*sh->small));
    assert_non_null(sh->small);
    bitsdo_counters_init(&sh->c);
    bitsdo_file_counters_init(&sh->big);
    for (i = 0; i < smalls; i++)
        bitsdo_file_counters_init(&sh->small[i]);
    /* the state before step 1: size wide(1), bytes wide(0) */
    bitsdo_counters_add_file(&sh->c, &sh->big, wide(1));
    run_wide(sh, wide_counter_writer, wide_counter_reader);

    bitsdo_counters_read(&sh->c, &final);
    assert_int_equal(final.bytes_total, wide(COUNTER_STEPS + 1));
    assert_int_equal(final.bytes_transferred, wide(COUNTER_STEPS));
    assert_int_equal(final.files_total, 1 + smalls);
    assert_int_equal(final.files_transferred, smalls);
    free(sh->small);
    free(sh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_known_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_bytes_refuses_past_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_size_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_done_known_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_file_reinitialises, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_file_null_outputs, setup, teardown),
        cmocka_unit_test(test_concurrent_reader_never_torn),
        cmocka_unit_test(test_concurrent_writers_serialised),
        cmocka_unit_test(test_atomic64_never_torn),
        cmocka_unit_test(test_counters_64bit_never_torn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
