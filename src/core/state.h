/* The job state machine: which operation is allowed in which state, what
 * it returns and where it leads. Values match BG_JOB_STATE. The caller holds
 * the job's lock; this module only decides. */
#ifndef BITSDO_CORE_STATE_H
#define BITSDO_CORE_STATE_H

#include "types.h"

typedef enum bitsdo_state {
    BITSDO_STATE_QUEUED = 0,
    BITSDO_STATE_CONNECTING = 1,
    BITSDO_STATE_TRANSFERRING = 2,
    BITSDO_STATE_SUSPENDED = 3,
    BITSDO_STATE_ERROR = 4,
    BITSDO_STATE_TRANSIENT_ERROR = 5,
    BITSDO_STATE_TRANSFERRED = 6,
    BITSDO_STATE_ACKNOWLEDGED = 7,
    BITSDO_STATE_CANCELLED = 8,
    BITSDO_STATE_COUNT
} bitsdo_state;

typedef enum bitsdo_op {
    BITSDO_OP_ADD_FILE,      /* AddFile / AddFileSet / AddFileWithRanges */
    BITSDO_OP_RESUME,
    BITSDO_OP_SUSPEND,
    BITSDO_OP_CANCEL,
    BITSDO_OP_COMPLETE,
    BITSDO_OP_MODIFY,        /* any property setter, TakeOwnership, SetRemoteName */
    /* Transitions driven by the transfer worker, not by a caller: */
    BITSDO_OP_CONNECT,       /* worker starts a file: QUEUED/TRANSIENT_ERROR/TRANSFERRING
                              * -> CONNECTING (CONNECTING stays) */
    BITSDO_OP_DATA,          /* first bytes arrive: CONNECTING -> TRANSFERRING (stays) */
    BITSDO_OP_ALL_DONE,      /* every file in: QUEUED/CONNECTING/TRANSFERRING ->
                              * TRANSFERRED; needs files_transferred == files_total > 0 */
    BITSDO_OP_FAIL,          /* fatal error: QUEUED/CONNECTING/TRANSFERRING/
                              * TRANSIENT_ERROR -> ERROR */
    BITSDO_OP_FAIL_TRANSIENT,/* retryable error: QUEUED/CONNECTING/TRANSFERRING
                              * -> TRANSIENT_ERROR */
    BITSDO_OP_RETRY,         /* retry timer fired: TRANSIENT_ERROR -> QUEUED */
    BITSDO_OP_LOSE_FILE,     /* Complete found a finished file's temp file gone:
                              * any state but the final ones -> ERROR */
    /* A worker op anywhere else is BG_E_INVALID_STATE: the job was
     * suspended, cancelled or completed meanwhile and the worker stops. */
    BITSDO_OP_COUNT
} bitsdo_op;

/* Facts about the job the table needs besides its state. */
typedef struct bitsdo_state_ctx {
    uint32_t files_total;
    uint32_t files_transferred;
} bitsdo_state_ctx;

/* Applies op to *state. On success returns S_OK (or BG_S_PARTIAL_COMPLETE
 * for a Complete with unfinished files) and stores the new state; on
 * failure returns the documented HRESULT (BG_E_INVALID_STATE, BG_E_EMPTY)
 * and leaves *state as it was. The whole table, with the reason for each
 * undocumented cell, is in state.c. ctx may be NULL (no files).
 * E_POINTER for a NULL state, E_INVALIDARG for an unknown state or op. */
bitsdo_hr bitsdo_state_apply(bitsdo_state *state, bitsdo_op op, const bitsdo_state_ctx *ctx);

/* 1 for CANCELLED and ACKNOWLEDGED: nothing changes a job any more. */
int bitsdo_state_is_final(bitsdo_state s);
/* 1 while a worker should be running: QUEUED, CONNECTING, TRANSFERRING. */
int bitsdo_state_is_active(bitsdo_state s);
const char *bitsdo_state_name(bitsdo_state s);

#endif
