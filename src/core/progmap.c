/* The progress mapping's slots: a seqlock per slot, the protocol of
 * progress.c (see there for why the fences give a reader a consistent
 * copy), written by the host and read by clients in other processes.
 *
 * The counters are read inside the writer section: writers serialise on
 * the slot's sequence word, and a counters read that begins after another
 * writer's section ended sees the same or a later snapshot, so a slot
 * never goes back to older figures. */
#include "progmap.h"

#include <string.h>

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void bitsdo_progmap_init(bitsdo_progmap *map, uint32_t pid, uint64_t generation, uint64_t tick)
{
    map->header.magic = BITSDO_PROGMAP_MAGIC;
    map->header.version = BITSDO_PROGMAP_VERSION;
    map->header.slot_count = BITSDO_PROGMAP_SLOTS;
    map->header.slot_size = BITSDO_PROGMAP_SLOT_SIZE;
    map->header.pid = pid;
    map->header.generation = generation;
    atomic_store_explicit(&map->header.heartbeat, tick, memory_order_release);
    atomic_store_explicit(&map->header.alive, 1u, memory_order_release);
}

void bitsdo_progmap_beat(bitsdo_progmap *map, uint64_t tick)
{
    atomic_store_explicit(&map->header.heartbeat, tick, memory_order_release);
}

void bitsdo_progmap_close(bitsdo_progmap *map)
{
    atomic_store_explicit(&map->header.alive, 0u, memory_order_release);
    atomic_store_explicit(&map->header.heartbeat, 0u, memory_order_release);
}

static uint32_t write_begin(bitsdo_pslot *slot)
{
    uint32_t s = atomic_load_explicit(&slot->seq, memory_order_relaxed);

    for (;;) {
        if (s & 1u) {
            relax();
            s = atomic_load_explicit(&slot->seq, memory_order_relaxed);
            continue;
        }
        if (atomic_compare_exchange_weak_explicit(
                &slot->seq, &s, s + 1u, memory_order_acquire, memory_order_relaxed))
            break;
    }
    atomic_thread_fence(memory_order_release);
    return s + 1u;
}

static void write_end(bitsdo_pslot *slot, uint32_t odd)
{
    atomic_store_explicit(&slot->seq, odd + 1u, memory_order_release);
}

static void store_id(bitsdo_pslot *slot, const uint8_t id[16])
{
    uint32_t w[4];
    int i;

    memcpy(w, id, sizeof(w));
    for (i = 0; i < 4; i++)
        bitsdo__store32(&slot->id[i], w[i]);
}

void bitsdo_pslot_publish(bitsdo_pslot *slot, const bitsdo_counters *counters,
                          const bitsdo_pslot_status *status, const uint8_t id[16])
{
    uint32_t odd = write_begin(slot);
    bitsdo_progress p;

    if (id)
        store_id(slot, id);
    if (status) {
        bitsdo__store32(&slot->engine_state, status->engine_state);
        bitsdo__store32(&slot->public_state, status->public_state);
        bitsdo__store32(&slot->error_hr, status->error_hr);
    }
    if (counters) {
        bitsdo_counters_read(counters, &p);
        bitsdo__store64(&slot->bytes_total, p.bytes_total);
        bitsdo__store64(&slot->bytes_transferred, p.bytes_transferred);
        bitsdo__store32(&slot->files_total, p.files_total);
        bitsdo__store32(&slot->files_transferred, p.files_transferred);
    }
    write_end(slot, odd);
}

void bitsdo_pslot_clear(bitsdo_pslot *slot)
{
    static const uint8_t none[16];
    uint32_t odd = write_begin(slot);

    store_id(slot, none);
    bitsdo__store32(&slot->engine_state, 0);
    bitsdo__store32(&slot->public_state, 0);
    bitsdo__store32(&slot->error_hr, 0);
    bitsdo__store64(&slot->bytes_total, 0);
    bitsdo__store64(&slot->bytes_transferred, 0);
    bitsdo__store32(&slot->files_total, 0);
    bitsdo__store32(&slot->files_transferred, 0);
    write_end(slot, odd);
}

int bitsdo_pslot_read(const bitsdo_pslot *slot, bitsdo_pslot_data *out, unsigned tries)
{
    bitsdo_pslot *s = (bitsdo_pslot *)slot; /* loads only */
    uint32_t before, w[4];
    int i;

    while (tries--) {
        before = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (before & 1u) {
            relax();
            continue;
        }
        out->engine_state = bitsdo__load32(&s->engine_state);
        out->public_state = bitsdo__load32(&s->public_state);
        out->error_hr = bitsdo__load32(&s->error_hr);
        out->progress.bytes_total = bitsdo__load64(&s->bytes_total);
        out->progress.bytes_transferred = bitsdo__load64(&s->bytes_transferred);
        out->progress.files_total = bitsdo__load32(&s->files_total);
        out->progress.files_transferred = bitsdo__load32(&s->files_transferred);
        for (i = 0; i < 4; i++)
            w[i] = bitsdo__load32(&s->id[i]);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == before) {
            memcpy(out->id, w, sizeof(w));
            return 1;
        }
    }
    return 0;
}

uint64_t bitsdo_progmap_heartbeat(const bitsdo_progmap_header *header)
{
    return atomic_load_explicit((bitsdo_atomic_u64 *)&header->heartbeat, memory_order_acquire);
}

int bitsdo_progmap_alive(const bitsdo_progmap_header *header)
{
    return atomic_load_explicit((bitsdo_atomic_u32 *)&header->alive, memory_order_acquire) != 0;
}
