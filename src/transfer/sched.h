/* Who may transfer now. Foreground jobs always run, side by side; the
 * background priorities (HIGH, NORMAL, LOW) run only while no foreground
 * job transfers, at most BITSDO_MAX_BACKGROUND jobs at once, higher
 * priorities first. A background transfer under way gives way (between two
 * writes) as soon as a foreground job starts, and carries on after. */
#ifndef BITSDO_TRANSFER_SCHED_H
#define BITSDO_TRANSFER_SCHED_H

#include <windows.h>

#define BITSDO_MAX_BACKGROUND 4

typedef struct bitsdo_slot {
    DWORD priority;       /* BG_JOB_PRIORITY: 0 is FOREGROUND */
    BOOL held;
    volatile LONG *gen;   /* the job's run generation ... */
    LONG my_gen;          /* ... as it was when the transfer started */
} bitsdo_slot;

/* Waits until the slot's job may transfer. E_ABORT once the job is
 * stopped meanwhile (its generation changed). */
HRESULT bitsdo_sched_enter(bitsdo_slot *slot);
void bitsdo_sched_leave(bitsdo_slot *slot);
/* For a background slot: if a foreground job transfers, leaves and waits
 * to enter again. S_OK, or E_ABORT if the job is stopped meanwhile. */
HRESULT bitsdo_sched_yield(bitsdo_slot *slot);
/* Wakes every waiter so it rechecks (a job was stopped). */
void bitsdo_sched_kick(void);

#endif
