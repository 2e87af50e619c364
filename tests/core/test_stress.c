/* Stress of the core's shared-memory parts the way the engine uses them,
 * for ThreadSanitizer (preset tsan, tools/tsan.sh) and the sanitizer builds:
 * one job's counters (progress.c), its state (state.c) under a lock as the
 * engine keeps it, and its progress-mapping slot (progmap.c), written by
 * many threads at once and read lock-free by others.
 *
 * Writer threads mix every counter writer (add_file, set_size, add_bytes,
 * set_bytes, file_done) on shared files with caller and worker operations
 * of the state machine under the job's lock, each followed by a publish to
 * the slot; the byte writers publish without the lock, as fetch.c does.
 * Readers check every snapshot:
 *   - counters: BytesTransferred <= BytesTotal when the total is known,
 *     FilesTransferred <= FilesTotal, FilesTotal never goes back;
 *   - a file: completed means transferred == total, known total means
 *     transferred <= total;
 *   - the slot: a valid state, its error tied to it (a torn status shows),
 *     the job's id, the same progress rules, FilesTotal never back, and a
 *     final state (CANCELLED, ACKNOWLEDGED) stays final.
 * The state machine's results are checked against the documented set of
 * each operation, and a final state must refuse everything. Every thread
 * also drives a private state without a lock (state.c keeps no mutable
 * static data). After each round the job's sums must equal its files'.
 *
 * Length: BITSDO_STRESS_MS (default 3000) of rounds; each round is a new
 * job, ended when it reaches a final state or after ROUND_MS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "errors.h"
#include "progmap.h"
#include "progress.h"
#include "state.h"

#include "test_thread.h"

#define WRITERS   4
#define READERS   3
#define MAX_FILES 24
#define ROUND_MS  150
#define FILE_MAX  (1u << 20)

typedef struct job {
    /* The job's lock (engine.c's job->lock): a spinlock, so that the test
     * needs nothing but C11; TSan sees its acquire and release. */
    atomic_flag lock;
    bitsdo_state state; /* plain: guarded by lock, as in the engine */
    uint32_t error;     /* plain: guarded by lock */
    bitsdo_counters c;
    bitsdo_file_counters f[MAX_FILES];
    bitsdo_atomic_u32 files_added; /* files [0, files_added) are live */
    bitsdo_pslot slot;
    uint8_t id[16];
    bitsdo_atomic_u32 stop;
} job;

typedef struct failures {
    unsigned torn, over, files_over, files_back, file_bad, final_left, bad_hr, final_changed, bad_state;
    unsigned long reads, writes, ops;
} failures;

typedef struct thread_arg {
    job *j;
    uint32_t rng;
    failures f;
    int index;
} thread_arg;

static uint32_t next_rand(uint32_t *s)
{
    /* xorshift32: a thread's own generator */
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void lock(job *j)
{
    while (atomic_flag_test_and_set_explicit(&j->lock, memory_order_acquire))
        test_yield();
}

static void unlock(job *j)
{
    atomic_flag_clear_explicit(&j->lock, memory_order_release);
}

/* The error stored with a state: tied to it, so a reader that copied the
 * status of two different publishes sees a mismatch. */
static uint32_t error_for(bitsdo_state s)
{
    return 0xE0000000u | ((uint32_t)s << 8) | 0x5Au;
}

/* With the lock held: what the slot says is what the job is. */
static void publish_locked(job *j)
{
    bitsdo_pslot_status st;

    st.engine_state = st.public_state = (uint32_t)j->state;
    st.error_hr = j->error;
    bitsdo_pslot_publish(&j->slot, &j->c, &st, NULL);
}

/* The documented results of an operation (state.h). */
static int hr_allowed(bitsdo_op op, bitsdo_hr hr)
{
    if (hr == BITSDO_S_OK || hr == BITSDO_BG_E_INVALID_STATE)
        return 1;
    if (op == BITSDO_OP_COMPLETE && hr == BITSDO_BG_S_PARTIAL_COMPLETE)
        return 1;
    if (op == BITSDO_OP_RESUME && hr == BITSDO_BG_E_EMPTY)
        return 1;
    return 0;
}

/* One state-machine operation on the shared job, under its lock, as a
 * caller or the worker does it; checked against the documented results. */
static void state_op(thread_arg *a, bitsdo_op op)
{
    job *j = a->j;
    bitsdo_state_ctx ctx;
    bitsdo_progress p;
    bitsdo_state before;
    bitsdo_hr hr;

    lock(j);
    before = j->state;
    bitsdo_counters_read(&j->c, &p);
    ctx.files_total = p.files_total;
    ctx.files_transferred = p.files_transferred;
    hr = bitsdo_state_apply(&j->state, op, &ctx);
    if (!hr_allowed(op, hr))
        a->f.bad_hr++;
    if (bitsdo_state_is_final(before) && (hr != BITSDO_BG_E_INVALID_STATE || j->state != before))
        a->f.final_changed++;
    if (op == BITSDO_OP_ALL_DONE && hr == BITSDO_S_OK &&
        (!p.files_total || p.files_total != p.files_transferred))
        a->f.bad_hr++;
    if ((unsigned)j->state >= BITSDO_STATE_COUNT)
        a->f.bad_state++;
    if (hr == BITSDO_S_OK || hr == BITSDO_BG_S_PARTIAL_COMPLETE) {
        j->error = error_for(j->state);
        publish_locked(j);
    }
    if (bitsdo_state_is_final(j->state))
        atomic_store_explicit(&j->stop, 1u, memory_order_relaxed);
    unlock(j);
    a->f.ops++;
}

/* AddFile: a state-machine step and a new file's counters in one locked
 * section, as bitsdo_job_add_file does. */
static void add_file(thread_arg *a)
{
    job *j = a->j;
    uint32_t n;
    bitsdo_state_ctx ctx = {0, 0};
    bitsdo_hr hr;

    lock(j);
    n = atomic_load_explicit(&j->files_added, memory_order_relaxed);
    if (n < MAX_FILES) {
        bitsdo_state before = j->state;
        hr = bitsdo_state_apply(&j->state, BITSDO_OP_ADD_FILE, &ctx);
        if (!hr_allowed(BITSDO_OP_ADD_FILE, hr))
            a->f.bad_hr++;
        if (bitsdo_state_is_final(before) && hr != BITSDO_BG_E_INVALID_STATE)
            a->f.final_changed++;
        if (hr == BITSDO_S_OK) {
            uint64_t size = next_rand(&a->rng) % 3 ? next_rand(&a->rng) % FILE_MAX : BITSDO_SIZE_UNKNOWN;
            bitsdo_counters_add_file(&j->c, &j->f[n], size);
            /* release: a thread that sees the count sees the file's init */
            atomic_store_explicit(&j->files_added, n + 1, memory_order_release);
            j->error = error_for(j->state);
            publish_locked(j);
        }
    }
    unlock(j);
    a->f.ops++;
}

/* A counter write on a random live file, then a publish without the lock
 * (fetch.c's bitsdo__job_publish_progress). */
static void counter_op(thread_arg *a)
{
    job *j = a->j;
    uint32_t n = atomic_load_explicit(&j->files_added, memory_order_acquire), r;
    bitsdo_file_counters *f;
    uint64_t total, done;

    if (!n)
        return;
    f = &j->f[next_rand(&a->rng) % n];
    r = next_rand(&a->rng) % 100;
    if (r < 70) {
        bitsdo_counters_add_bytes(&j->c, f, 1 + next_rand(&a->rng) % 65536);
    } else if (r < 80) {
        bitsdo_counters_read_file(&j->c, f, &total, &done, NULL);
        if (total != BITSDO_SIZE_UNKNOWN && done >= total)
            bitsdo_counters_file_done(&j->c, f);
        else if (total == BITSDO_SIZE_UNKNOWN && next_rand(&a->rng) % 4 == 0)
            bitsdo_counters_file_done(&j->c, f); /* end of a body of unknown length */
    } else if (r < 88) {
        /* The size learned, or (rarely) a different one: the file changed. */
        bitsdo_counters_read_file(&j->c, f, &total, &done, NULL);
        if (total == BITSDO_SIZE_UNKNOWN || next_rand(&a->rng) % 8 == 0)
            bitsdo_counters_set_size(&j->c, f, next_rand(&a->rng) % FILE_MAX);
        else if (next_rand(&a->rng) % 16 == 0)
            bitsdo_counters_set_size(&j->c, f, BITSDO_SIZE_UNKNOWN);
    } else if (r < 92) {
        /* A restart from 0, or a resume from the bytes on disk. */
        bitsdo_counters_set_bytes(&j->c, f, r & 1 ? 0 : next_rand(&a->rng) % FILE_MAX);
    } else {
        bitsdo_counters_read_file(&j->c, f, &total, &done, NULL);
        if (total != BITSDO_SIZE_UNKNOWN && total > done)
            bitsdo_counters_add_bytes(&j->c, f, total - done); /* the rest at once */
    }
    bitsdo_pslot_publish(&j->slot, &j->c, NULL, NULL);
    a->f.writes++;
}

static void writer_main(void *arg)
{
    thread_arg *a = arg;
    job *j = a->j;
    bitsdo_state own = BITSDO_STATE_SUSPENDED;
    bitsdo_state_ctx own_ctx = {1, 0};

    while (!atomic_load_explicit(&j->stop, memory_order_relaxed)) {
        uint32_t r = next_rand(&a->rng) % 1000;

        if (r < 600) {
            counter_op(a);
        } else if (r < 640) {
            add_file(a);
        } else if (next_rand(&a->rng) % 4096) {
            /* Worker and caller operations, the common ones. */
            static const bitsdo_op ops[] = {
                BITSDO_OP_RESUME,
                BITSDO_OP_SUSPEND,
                BITSDO_OP_MODIFY,
                BITSDO_OP_CONNECT,
                BITSDO_OP_DATA,
                BITSDO_OP_DATA,
                BITSDO_OP_ALL_DONE,
                BITSDO_OP_FAIL,
                BITSDO_OP_RETRY,
                BITSDO_OP_RESUME,
                BITSDO_OP_FAIL_TRANSIENT,
                BITSDO_OP_CONNECT,
            };
            state_op(a, ops[next_rand(&a->rng) % (sizeof(ops) / sizeof(ops[0]))]);
        } else {
            /* Rarely: the end of the job. */
            state_op(a, next_rand(&a->rng) & 1 ? BITSDO_OP_CANCEL : BITSDO_OP_COMPLETE);
        }
        /* A private state, no lock: state.c must be pure. */
        if (bitsdo_state_apply(&own, (bitsdo_op)(next_rand(&a->rng) % BITSDO_OP_COUNT), &own_ctx) ==
                BITSDO_E_INVALIDARG ||
            (unsigned)own >= BITSDO_STATE_COUNT)
            a->f.bad_state++;
        if (bitsdo_state_is_final(own))
            own = BITSDO_STATE_SUSPENDED;
    }
}

static void check_progress(failures *f, const bitsdo_progress *p, uint32_t *files_seen)
{
    if (p->bytes_total != BITSDO_SIZE_UNKNOWN && p->bytes_transferred > p->bytes_total)
        f->over++;
    if (p->files_transferred > p->files_total || p->files_total > MAX_FILES)
        f->files_over++;
    if (p->files_total < *files_seen)
        f->files_back++;
    *files_seen = p->files_total;
}

static void reader_main(void *arg)
{
    thread_arg *a = arg;
    job *j = a->j;
    uint32_t counter_files = 0, slot_files = 0;
    int seen_final = 0;

    while (!atomic_load_explicit(&j->stop, memory_order_relaxed)) {
        bitsdo_progress p;
        bitsdo_pslot_data d;
        uint32_t n;

        bitsdo_counters_read(&j->c, &p);
        check_progress(&a->f, &p, &counter_files);

        n = atomic_load_explicit(&j->files_added, memory_order_acquire);
        if (n) {
            uint64_t total, done;
            int completed;

            bitsdo_counters_read_file(&j->c, &j->f[next_rand(&a->rng) % n], &total, &done, &completed);
            if ((completed && done != total) || (total != BITSDO_SIZE_UNKNOWN && done > total))
                a->f.file_bad++;
        }

        if (bitsdo_pslot_read(&j->slot, &d, 1000000)) {
            if (memcmp(d.id, j->id, 16) || d.engine_state != d.public_state ||
                d.error_hr != error_for((bitsdo_state)d.engine_state))
                a->f.torn++;
            if (d.engine_state >= BITSDO_STATE_COUNT)
                a->f.bad_state++;
            check_progress(&a->f, &d.progress, &slot_files);
            if (seen_final && !bitsdo_state_is_final((bitsdo_state)d.engine_state))
                a->f.final_left++;
            seen_final = bitsdo_state_is_final((bitsdo_state)d.engine_state);
        }
        a->f.reads++;
    }
}

static unsigned stress_ms(void)
{
    const char *s = getenv("BITSDO_STRESS_MS");
    long v = s ? strtol(s, NULL, 10) : 0;

    return v > 0 ? (unsigned)v : 3000u;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    timespec_get(&ts, TIME_UTC);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Single-threaded, after a round: the job's sums are its files'. */
static void check_sums(job *j)
{
    uint32_t n = atomic_load(&j->files_added), i, done_files = 0, unknown = 0;
    uint64_t known = 0, bytes = 0;
    bitsdo_progress p;

    for (i = 0; i < n; i++) {
        uint64_t total, done;
        int completed;

        bitsdo_counters_read_file(&j->c, &j->f[i], &total, &done, &completed);
        if (total == BITSDO_SIZE_UNKNOWN)
            unknown++;
        else
            known += total;
        bytes += done;
        done_files += completed != 0;
    }
    bitsdo_counters_read(&j->c, &p);
    assert_int_equal(p.files_total, n);
    assert_int_equal(p.files_transferred, done_files);
    assert_int_equal(p.bytes_transferred, bytes);
    assert_int_equal(p.bytes_total, unknown ? BITSDO_SIZE_UNKNOWN : known);
}

static void test_stress(void **state)
{
    thread_arg args[WRITERS + READERS];
    failures total;
    unsigned ms = stress_ms(), rounds = 0, final_rounds = 0, i;
    uint64_t end = now_ms() + ms;
    job *j;

    (void)state;
    memset(&total, 0, sizeof(total));
    do {
        test_thread th[WRITERS + READERS];
        uint64_t round_end;

        assert_non_null(j = calloc(1, sizeof(*j)));
        atomic_flag_clear(&j->lock);
        j->state = BITSDO_STATE_SUSPENDED;
        j->error = error_for(j->state);
        bitsdo_counters_init(&j->c);
        for (i = 0; i < MAX_FILES; i++)
            bitsdo_file_counters_init(&j->f[i]);
        atomic_init(&j->files_added, 0);
        atomic_init(&j->stop, 0);
        for (i = 0; i < 16; i++)
            j->id[i] = (uint8_t)(rounds * 31u + i + 1u);
        {
            bitsdo_pslot_status st = {(uint32_t)j->state, (uint32_t)j->state, j->error};
            bitsdo_pslot_publish(&j->slot, &j->c, &st, j->id);
        }

        for (i = 0; i < WRITERS + READERS; i++) {
            memset(&args[i], 0, sizeof(args[i]));
            args[i].j = j;
            args[i].index = (int)i;
            args[i].rng = 0x9E3779B9u * (rounds * 16u + i + 1u);
            assert_true(test_thread_start(&th[i], i < WRITERS ? writer_main : reader_main, &args[i]));
        }
        round_end = now_ms() + ROUND_MS;
        while (!atomic_load(&j->stop) && now_ms() < round_end)
            test_yield();
        final_rounds += atomic_load(&j->stop) != 0;
        atomic_store(&j->stop, 1u);
        for (i = 0; i < WRITERS + READERS; i++)
            assert_true(test_thread_join(th[i], 60));
        check_sums(j);
        for (i = 0; i < WRITERS + READERS; i++) {
            failures *f = &args[i].f;
            total.torn += f->torn;
            total.over += f->over;
            total.files_over += f->files_over;
            total.files_back += f->files_back;
            total.file_bad += f->file_bad;
            total.final_left += f->final_left;
            total.bad_hr += f->bad_hr;
            total.final_changed += f->final_changed;
            total.bad_state += f->bad_state;
            total.reads += f->reads;
            total.writes += f->writes;
            total.ops += f->ops;
        }
        free(j);
        rounds++;
    } while (now_ms() < end);

    printf("stress: %u rounds (%u ended in a final state), %lu snapshot reads, %lu counter writes, "
           "%lu state operations\n",
           rounds,
           final_rounds,
           total.reads,
           total.writes,
           total.ops);
    printf("stress: torn %u, bytes over total %u, files over total %u, files total back %u, "
           "bad file %u, left a final state %u, undocumented result %u, final state changed %u, "
           "bad state %u\n",
           total.torn,
           total.over,
           total.files_over,
           total.files_back,
           total.file_bad,
           total.final_left,
           total.bad_hr,
           total.final_changed,
           total.bad_state);
    assert_int_equal(total.torn, 0);
    assert_int_equal(total.over, 0);
    assert_int_equal(total.files_over, 0);
    assert_int_equal(total.files_back, 0);
    assert_int_equal(total.file_bad, 0);
    assert_int_equal(total.final_left, 0);
    assert_int_equal(total.bad_hr, 0);
    assert_int_equal(total.final_changed, 0);
    assert_int_equal(total.bad_state, 0);
    assert_true(total.reads > 0);
    assert_true(total.writes > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
