/* Progress counters under a seqlock.
 *
 * Every field is a C11 atomic accessed with relaxed loads and stores, so
 * concurrent access is never a data race; the sequence word and two fences
 * give the ordering:
 *
 *   writer: CAS seq even->odd (acquire: it follows the previous writer),
 *           release fence, relaxed stores, store seq odd->even (release).
 *   reader: load seq (acquire), relaxed loads, acquire fence, load seq
 *           again; retry while odd or changed.
 *
 * A reader that saw the same even value before and after its loads read no
 * store of a writer section that had begun: if it had read one, the
 * acquire fence would make the section's odd sequence (ordered before that
 * store by the writer's release fence) visible to its second load. Writers
 * serialise among themselves on the CAS, so AddFile on a caller's thread and
 * the worker's byte counting never interleave.
 */
#include "progress.h"

static inline void bitsdo__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static uint32_t bitsdo__write_begin(bitsdo_counters *c)
{
    uint32_t s = atomic_load_explicit(&c->seq, memory_order_relaxed);

    for (;;) {
        if (s & 1u) {
            bitsdo__cpu_relax();
            s = atomic_load_explicit(&c->seq, memory_order_relaxed);
            continue;
        }
        if (atomic_compare_exchange_weak_explicit(
                &c->seq, &s, s + 1u, memory_order_acquire, memory_order_relaxed))
            break;
    }
    atomic_thread_fence(memory_order_release);
    return s + 1u;
}

static void bitsdo__write_end(bitsdo_counters *c, uint32_t odd)
{
    atomic_store_explicit(&c->seq, odd + 1u, memory_order_release);
}

static uint32_t bitsdo__read_begin(const bitsdo_counters *c)
{
    bitsdo_atomic_u32 *seq = (bitsdo_atomic_u32 *)&c->seq;
    uint32_t s;

    while ((s = atomic_load_explicit(seq, memory_order_acquire)) & 1u)
        bitsdo__cpu_relax();
    return s;
}

static int bitsdo__read_retry(const bitsdo_counters *c, uint32_t s)
{
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit((bitsdo_atomic_u32 *)&c->seq, memory_order_relaxed) != s;
}

void bitsdo_counters_init(bitsdo_counters *c)
{
    atomic_init(&c->seq, 0);
    atomic_init(&c->known_bytes, 0);
    atomic_init(&c->bytes_transferred, 0);
    atomic_init(&c->files_total, 0);
    atomic_init(&c->files_transferred, 0);
    atomic_init(&c->files_unknown, 0);
}

void bitsdo_file_counters_init(bitsdo_file_counters *f)
{
    atomic_init(&f->bytes_total, BITSDO_SIZE_UNKNOWN);
    atomic_init(&f->bytes_transferred, 0);
    atomic_init(&f->completed, 0);
}

/* Helpers for use inside a write section. */
static void bitsdo__add64(bitsdo_atomic_u64 *p, uint64_t delta)
{
    bitsdo__store64(p, bitsdo__load64(p) + delta);
}

static void bitsdo__sub64(bitsdo_atomic_u64 *p, uint64_t delta)
{
    bitsdo__store64(p, bitsdo__load64(p) - delta);
}

static void bitsdo__add32(bitsdo_atomic_u32 *p, uint32_t delta)
{
    bitsdo__store32(p, bitsdo__load32(p) + delta);
}

static void bitsdo__sub32(bitsdo_atomic_u32 *p, uint32_t delta)
{
    bitsdo__store32(p, bitsdo__load32(p) - delta);
}

/* Clears a file's completion (inside a write section). */
static void bitsdo__uncomplete(bitsdo_counters *c, bitsdo_file_counters *f)
{
    if (bitsdo__load32(&f->completed)) {
        bitsdo__store32(&f->completed, 0);
        bitsdo__sub32(&c->files_transferred, 1);
    }
}

/* Sets a file's transferred count, keeping the job sum in step. */
static void bitsdo__set_transferred(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t n)
{
    uint64_t old = bitsdo__load64(&f->bytes_transferred);

    if (n >= old)
        bitsdo__add64(&c->bytes_transferred, n - old);
    else
        bitsdo__sub64(&c->bytes_transferred, old - n);
    bitsdo__store64(&f->bytes_transferred, n);
}

/* Sets a file's size, keeping known_bytes and files_unknown in step. */
static void bitsdo__set_total(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t size)
{
    uint64_t old = bitsdo__load64(&f->bytes_total);

    if (old == size)
        return;
    if (old == BITSDO_SIZE_UNKNOWN)
        bitsdo__sub32(&c->files_unknown, 1);
    else
        bitsdo__sub64(&c->known_bytes, old);
    if (size == BITSDO_SIZE_UNKNOWN)
        bitsdo__add32(&c->files_unknown, 1);
    else
        bitsdo__add64(&c->known_bytes, size);
    bitsdo__store64(&f->bytes_total, size);
}

void bitsdo_counters_add_file(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t size)
{
    uint32_t s = bitsdo__write_begin(c);

    /* A new file: whatever f held before is not part of the sums. */
    bitsdo__store64(&f->bytes_total, size);
    bitsdo__store64(&f->bytes_transferred, 0);
    bitsdo__store32(&f->completed, 0);
    bitsdo__add32(&c->files_total, 1);
    if (size == BITSDO_SIZE_UNKNOWN)
        bitsdo__add32(&c->files_unknown, 1);
    else
        bitsdo__add64(&c->known_bytes, size);
    bitsdo__write_end(c, s);
}

void bitsdo_counters_set_size(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t size)
{
    uint32_t s = bitsdo__write_begin(c);
    uint64_t done = bitsdo__load64(&f->bytes_transferred);

    bitsdo__set_total(c, f, size);
    if (size != BITSDO_SIZE_UNKNOWN && done > size) {
        /* The file is shorter than what we hold: its content changed and
         * it starts over. */
        bitsdo__set_transferred(c, f, 0);
        done = 0;
    }
    if (bitsdo__load32(&f->completed) && done != size)
        bitsdo__uncomplete(c, f);
    bitsdo__write_end(c, s);
}

int bitsdo_counters_add_bytes(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t n)
{
    uint32_t s;
    uint64_t total, done;
    int ok = 0;

    if (!n)
        return 1;
    s = bitsdo__write_begin(c);
    total = bitsdo__load64(&f->bytes_total);
    done = bitsdo__load64(&f->bytes_transferred);
    if (total == BITSDO_SIZE_UNKNOWN)
        ok = !bitsdo__load32(&f->completed) && n < BITSDO_SIZE_UNKNOWN - done;
    else
        ok = done <= total && n <= total - done;
    if (ok) {
        bitsdo__store64(&f->bytes_transferred, done + n);
        bitsdo__add64(&c->bytes_transferred, n);
    }
    bitsdo__write_end(c, s);
    return ok;
}

void bitsdo_counters_set_bytes(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t n)
{
    uint32_t s = bitsdo__write_begin(c);
    uint64_t total = bitsdo__load64(&f->bytes_total);

    if (total != BITSDO_SIZE_UNKNOWN && n > total)
        n = total;
    else if (total == BITSDO_SIZE_UNKNOWN && n == BITSDO_SIZE_UNKNOWN)
        n = BITSDO_SIZE_UNKNOWN - 1;
    bitsdo__uncomplete(c, f);
    bitsdo__set_transferred(c, f, n);
    bitsdo__write_end(c, s);
}

void bitsdo_counters_file_done(bitsdo_counters *c, bitsdo_file_counters *f)
{
    uint32_t s = bitsdo__write_begin(c);

    if (!bitsdo__load32(&f->completed)) {
        /* What arrived is the file: an unknown (or disagreeing) size
         * becomes the transferred count. */
        bitsdo__set_total(c, f, bitsdo__load64(&f->bytes_transferred));
        bitsdo__store32(&f->completed, 1);
        bitsdo__add32(&c->files_transferred, 1);
    }
    bitsdo__write_end(c, s);
}

void bitsdo_counters_read(const bitsdo_counters *c, bitsdo_progress *out)
{
    bitsdo_progress p;
    uint32_t s;

    do {
        s = bitsdo__read_begin(c);
        p.bytes_total =
            bitsdo__load32(&c->files_unknown) ? BITSDO_SIZE_UNKNOWN : bitsdo__load64(&c->known_bytes);
        p.bytes_transferred = bitsdo__load64(&c->bytes_transferred);
        p.files_total = bitsdo__load32(&c->files_total);
        p.files_transferred = bitsdo__load32(&c->files_transferred);
    } while (bitsdo__read_retry(c, s));
    *out = p;
}

void bitsdo_counters_read_file(const bitsdo_counters *c, const bitsdo_file_counters *f, uint64_t *bytes_total,
                               uint64_t *bytes_transferred, int *completed)
{
    uint64_t total, done;
    uint32_t comp, s;

    do {
        s = bitsdo__read_begin(c);
        total = bitsdo__load64(&f->bytes_total);
        done = bitsdo__load64(&f->bytes_transferred);
        comp = bitsdo__load32(&f->completed);
    } while (bitsdo__read_retry(c, s));
    if (bytes_total)
        *bytes_total = total;
    if (bytes_transferred)
        *bytes_transferred = done;
    if (completed)
        *completed = comp != 0;
}
