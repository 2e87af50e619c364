/* The progress mapping the per-user host shares with its clients
 * (docs/hosting.md, section 5): one fixed-size block per host generation,
 * a 64-byte header and BITSDO_PROGMAP_SLOTS slots of 64 bytes, one slot per
 * job of the host. The host writes; clients map it read-only and answer
 * GetProgress/GetState/GetStatus from it without a call to the host.
 *
 * The layout is the same for 32-bit and 64-bit processes: fixed-width
 * little-endian fields at the offsets asserted below, no pointers. Every
 * field a reader looks at while the host runs is a C11 atomic (lock-free
 * at these sizes and alignments, so address-free: it works across
 * processes).
 *
 * A slot is a seqlock (the protocol of progress.c): writers, all in the
 * host, serialise on the sequence word (odd while written); a reader
 * copies the slot and keeps the copy only if it saw the same even
 * sequence before and after. A reader retries a bounded number of times:
 * a host killed in the middle of a write leaves the word odd for ever.
 *
 * Slot count: 16384 slots are 1 MiB of pagefile-backed memory, of which
 * only the pages of slots in use are ever touched. That is far above the
 * 60 jobs a user may have in the list, because a job keeps its slot for
 * as long as any object refers to it (after Cancel or Complete too), and a
 * host serves one user for hours. A job that finds no free slot simply
 * has none: its objects then marshal with standard marshaling. */
#ifndef BITSDO_CORE_PROGMAP_H
#define BITSDO_CORE_PROGMAP_H

#include <stddef.h>

#include "atomic.h"
#include "progress.h"

#define BITSDO_PROGMAP_MAGIC     0x4d504442u /* "BDPM" as little-endian bytes */
#define BITSDO_PROGMAP_VERSION   1u
#define BITSDO_PROGMAP_SLOTS     16384u
#define BITSDO_PROGMAP_SLOT_SIZE 64u
#define BITSDO_PROGMAP_NO_SLOT   0xffffffffu

typedef struct bitsdo_progmap_header {
    uint32_t magic;              /*  0 */
    uint32_t version;            /*  4 */
    uint32_t slot_count;         /*  8 */
    uint32_t slot_size;          /* 12 */
    uint32_t pid;                /* 16: the host process */
    bitsdo_atomic_u32 alive;     /* 20: 1 running, 0 exited cleanly */
    uint64_t generation;         /* 24: the host's generation (hostinfo.h) */
    bitsdo_atomic_u64 heartbeat; /* 32: the host's GetTickCount64, every 250 ms */
    uint8_t reserved[24];        /* 40 */
} bitsdo_progmap_header;

typedef struct bitsdo_pslot {
    bitsdo_atomic_u32 seq;               /*  0: odd while written */
    bitsdo_atomic_u32 engine_state;      /*  4: bitsdo_state */
    bitsdo_atomic_u32 public_state;      /*  8: what the facade reports */
    bitsdo_atomic_u32 error_hr;          /* 12: the facade's error, 0 if none */
    bitsdo_atomic_u64 bytes_total;       /* 16: BITSDO_SIZE_UNKNOWN if unknown */
    bitsdo_atomic_u64 bytes_transferred; /* 24 */
    bitsdo_atomic_u32 files_total;       /* 32 */
    bitsdo_atomic_u32 files_transferred; /* 36 */
    bitsdo_atomic_u32 id[4];             /* 40: the job's GUID, all 0 when free */
    uint8_t reserved[8];                 /* 56 */
} bitsdo_pslot;

typedef struct bitsdo_progmap {
    bitsdo_progmap_header header;
    bitsdo_pslot slots[BITSDO_PROGMAP_SLOTS];
} bitsdo_progmap;

_Static_assert(offsetof(bitsdo_progmap_header, alive) == 20, "progmap header layout");
_Static_assert(offsetof(bitsdo_progmap_header, generation) == 24, "progmap header layout");
_Static_assert(offsetof(bitsdo_progmap_header, heartbeat) == 32, "progmap header layout");
_Static_assert(sizeof(bitsdo_progmap_header) == 64, "progmap header size");
_Static_assert(offsetof(bitsdo_pslot, bytes_total) == 16, "progmap slot layout");
_Static_assert(offsetof(bitsdo_pslot, bytes_transferred) == 24, "progmap slot layout");
_Static_assert(offsetof(bitsdo_pslot, files_total) == 32, "progmap slot layout");
_Static_assert(offsetof(bitsdo_pslot, id) == 40, "progmap slot layout");
_Static_assert(sizeof(bitsdo_pslot) == BITSDO_PROGMAP_SLOT_SIZE, "progmap slot size");
_Static_assert(offsetof(bitsdo_progmap, slots) == 64, "progmap slots offset");
_Static_assert(sizeof(bitsdo_progmap) == 64 + BITSDO_PROGMAP_SLOTS * BITSDO_PROGMAP_SLOT_SIZE,
               "progmap size");

/* What a slot says, as one consistent copy. */
typedef struct bitsdo_pslot_data {
    uint32_t engine_state;
    uint32_t public_state;
    uint32_t error_hr;
    bitsdo_progress progress;
    uint8_t id[16];
} bitsdo_pslot_data;

/* The status part of a slot (what changes with the job's state). */
typedef struct bitsdo_pslot_status {
    uint32_t engine_state;
    uint32_t public_state;
    uint32_t error_hr;
} bitsdo_pslot_status;

/* Host side. Fills the header of a fresh (zeroed) block; alive = 1. */
void bitsdo_progmap_init(bitsdo_progmap *map, uint32_t pid, uint64_t generation, uint64_t tick);
void bitsdo_progmap_beat(bitsdo_progmap *map, uint64_t tick);
/* A clean exit: alive = 0, heartbeat 0. */
void bitsdo_progmap_close(bitsdo_progmap *map);

/* One writer section: the counters are read inside it, so two writers
 * never publish an older snapshot after a newer one. status NULL keeps
 * the slot's status; id NULL keeps its id. */
void bitsdo_pslot_publish(bitsdo_pslot *slot, const bitsdo_counters *counters,
                          const bitsdo_pslot_status *status, const uint8_t id[16]);
/* Frees a slot: everything 0, id included (no reader matches it). */
void bitsdo_pslot_clear(bitsdo_pslot *slot);

/* Client side: a consistent copy, trying at most `tries` times. Returns 1
 * on success, 0 if the slot was being written every time (or was left
 * half-written by a host that died). */
int bitsdo_pslot_read(const bitsdo_pslot *slot, bitsdo_pslot_data *out, unsigned tries);
/* The header's liveness fields (plain atomic loads). */
uint64_t bitsdo_progmap_heartbeat(const bitsdo_progmap_header *header);
int bitsdo_progmap_alive(const bitsdo_progmap_header *header);

#endif
