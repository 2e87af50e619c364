/* The transfer scheduler: see sched.h. One lock and one condition variable
 * for the whole process; waits are bounded slices that recheck whether
 * their job was stopped. */
#include "sched.h"

#define SLICE_MS 200
#define PRIORITIES 4

static SRWLOCK lock = SRWLOCK_INIT;
static CONDITION_VARIABLE changed = CONDITION_VARIABLE_INIT;
static LONG foreground_active;
static LONG background_active;
static LONG waiting[PRIORITIES]; /* background waiters by priority */

static BOOL stopped(const bitsdo_slot *slot)
{
    return InterlockedCompareExchange(slot->gen, 0, 0) != slot->my_gen;
}

/* With the lock held: may a background job of this priority start now? */
static BOOL background_may_run(DWORD priority)
{
    DWORD p;

    if (foreground_active || background_active >= BITSDO_MAX_BACKGROUND)
        return FALSE;
    for (p = 1; p < priority; p++)
        if (waiting[p])
            return FALSE; /* a higher priority goes first */
    return TRUE;
}

HRESULT bitsdo_sched_enter(bitsdo_slot *slot)
{
    DWORD priority = slot->priority < PRIORITIES ? slot->priority : PRIORITIES - 1;
    HRESULT hr = S_OK;

    AcquireSRWLockExclusive(&lock);
    if (!priority) {
        foreground_active++;
        slot->held = TRUE;
        ReleaseSRWLockExclusive(&lock);
        return S_OK;
    }
    waiting[priority]++;
    while (!background_may_run(priority)) {
        if (stopped(slot)) {
            hr = E_ABORT;
            break;
        }
        SleepConditionVariableSRW(&changed, &lock, SLICE_MS, 0);
    }
    waiting[priority]--;
    if (SUCCEEDED(hr)) {
        background_active++;
        slot->held = TRUE;
    }
    ReleaseSRWLockExclusive(&lock);
    /* Others of lower priority may now see no higher waiter. */
    WakeAllConditionVariable(&changed);
    return hr;
}

void bitsdo_sched_leave(bitsdo_slot *slot)
{
    if (!slot->held)
        return;
    AcquireSRWLockExclusive(&lock);
    if (slot->priority == 0)
        foreground_active--;
    else
        background_active--;
    slot->held = FALSE;
    ReleaseSRWLockExclusive(&lock);
    WakeAllConditionVariable(&changed);
}

HRESULT bitsdo_sched_yield(bitsdo_slot *slot)
{
    if (!slot->held || slot->priority == 0 || !InterlockedCompareExchange(&foreground_active, 0, 0))
        return S_OK;
    bitsdo_sched_leave(slot);
    return bitsdo_sched_enter(slot);
}

void bitsdo_sched_kick(void)
{
    WakeAllConditionVariable(&changed);
}
