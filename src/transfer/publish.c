/* Host mode's half of the progress mapping (docs/hosting.md, section 5,
 * layout in src/core/progmap.h): which slot each job has, and the writes
 * that keep a job's slot equal to what its facade would answer.
 *
 * Off (the default, and always in a process that is not the host): no map,
 * no slot, every publish call returns at once. The host turns it on once,
 * before any job exists, with a view it keeps mapped until the process
 * exits (a worker may publish until the very end).
 *
 * Slots are handed out lowest-free-first under a lock, at job creation;
 * a job keeps its slot until it is freed (its last reference), so a slot
 * index in a client's hands names the same job for as long as the client
 * holds the job's object. A freed slot is cleared (id 0) before reuse. */
#include "engine.h"

#include <stdlib.h>

#include "progmap.h"

static bitsdo_progmap *volatile map;
static SRWLOCK slots_lock = SRWLOCK_INIT;
static uint8_t *slot_used; /* one byte per slot */
static uint32_t next_free; /* no free slot below this */

BOOL bitsdo_publish_start(void *view, uint32_t slot_count)
{
    if (slot_count != BITSDO_PROGMAP_SLOTS || map)
        return FALSE;
    if (!(slot_used = calloc(BITSDO_PROGMAP_SLOTS, 1)))
        return FALSE;
    map = view;
    return TRUE;
}

BOOL bitsdo_publish_on(void)
{
    return map != NULL;
}

uint32_t bitsdo__publish_alloc(void)
{
    uint32_t i, slot = BITSDO_PROGMAP_NO_SLOT;

    if (!map)
        return slot;
    AcquireSRWLockExclusive(&slots_lock);
    for (i = next_free; i < BITSDO_PROGMAP_SLOTS; i++) {
        if (!slot_used[i]) {
            slot_used[i] = 1;
            slot = i;
            next_free = i + 1;
            break;
        }
    }
    ReleaseSRWLockExclusive(&slots_lock);
    return slot;
}

void bitsdo__publish_free(uint32_t slot)
{
    if (!map || slot >= BITSDO_PROGMAP_SLOTS)
        return;
    bitsdo_pslot_clear(&map->slots[slot]);
    AcquireSRWLockExclusive(&slots_lock);
    slot_used[slot] = 0;
    if (slot < next_free)
        next_free = slot;
    ReleaseSRWLockExclusive(&slots_lock);
}

static void status_of(bitsdo_job *job, bitsdo_pslot_status *status)
{
    uint32_t pub = job->rec.state, error = 0;

    if (job->rec.state == BITSDO_STATE_ERROR || job->rec.state == BITSDO_STATE_TRANSIENT_ERROR)
        error = (uint32_t)job->rec.error_hr;
    if (job->events && job->events->public_state)
        job->events->public_state(job, &pub, &error);
    status->engine_state = job->rec.state;
    status->public_state = pub;
    status->error_hr = error;
}

void bitsdo_job_publish(bitsdo_job *job)
{
    bitsdo_pslot_status status;

    if (!map || job->progress_slot >= BITSDO_PROGMAP_SLOTS)
        return;
    status_of(job, &status);
    bitsdo_pslot_publish(&map->slots[job->progress_slot], &job->rec.counters, &status, job->rec.id);
}

void bitsdo__job_publish_progress(bitsdo_job *job)
{
    if (job->progress_slot >= BITSDO_PROGMAP_SLOTS || !map)
        return;
    bitsdo_pslot_publish(&map->slots[job->progress_slot], &job->rec.counters, NULL, NULL);
}
