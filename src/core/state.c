/* The job state machine as one table: for every (state, operation) the
 * result and the next state.
 *
 * Sources: the IBackgroundCopyJob documentation (Resume, Suspend, Cancel,
 * Complete, AddFile/AddFileSet, the Set* property methods) and the
 * BG_JOB_STATE description. What the documentation fixes:
 *   - a new job is SUSPENDED;
 *   - Resume, Suspend, Cancel, Complete, AddFile and the setters return
 *     BG_E_INVALID_STATE once the job is CANCELLED or ACKNOWLEDGED;
 *   - Resume with no files returns BG_E_EMPTY (the job stays as it was);
 *     Resume moves a suspended job to QUEUED and restarts a job in ERROR or
 *     TRANSIENT_ERROR;
 *   - Complete is allowed at any time for a download (only what is fully
 *     transferred is kept) and leads to ACKNOWLEDGED, returning
 *     BG_S_PARTIAL_COMPLETE when some files were not transferred;
 *   - Cancel leads to CANCELLED;
 *   - "new jobs, jobs in error and jobs that finished transferring are
 *     automatically suspended" (Suspend): ERROR and TRANSFERRED already
 *     count as paused;
 *   - adding a file to a TRANSFERRED job makes it QUEUED again.
 * The remaining cells are our decisions; each carries its reason below.
 *
 * Worker operations report what the transfer worker observed. A worker op
 * in a state where it does not apply returns BG_E_INVALID_STATE and changes
 * nothing: typically a caller suspended, cancelled or completed the job
 * while the worker was busy, and the refusal tells the worker to stop.
 */
#include "errors.h"
#include "state.h"

enum {
    R_OK,       /* S_OK */
    R_INVALID,  /* BG_E_INVALID_STATE, state unchanged */
    R_COMPLETE, /* S_OK or BG_S_PARTIAL_COMPLETE, from the file counts */
    R_RESUME,   /* BG_E_EMPTY if the job has no files, else S_OK */
    R_ALL_DONE, /* BG_E_INVALID_STATE unless every file is transferred */
};

/* "Same state": the operation succeeds and the state does not change. */
#define SAME BITSDO_STATE_COUNT

typedef struct bitsdo__cell {
    unsigned char result;
    unsigned char next;
} bitsdo__cell;

#define Q  BITSDO_STATE_QUEUED
#define CN BITSDO_STATE_CONNECTING
#define TG BITSDO_STATE_TRANSFERRING
#define SU BITSDO_STATE_SUSPENDED
#define ER BITSDO_STATE_ERROR
#define TE BITSDO_STATE_TRANSIENT_ERROR
#define TD BITSDO_STATE_TRANSFERRED
#define AK BITSDO_STATE_ACKNOWLEDGED
#define CA BITSDO_STATE_CANCELLED

#define OK(n)   \
    {           \
        R_OK, n \
    }
#define BAD             \
    {                   \
        R_INVALID, SAME \
    }

/* clang-format off */
static const bitsdo__cell bitsdo__table[BITSDO_OP_COUNT][BITSDO_STATE_COUNT] = {
    [BITSDO_OP_ADD_FILE] = {
        [Q]  = OK(SAME),  /* the worker picks the new file up in turn */
        [CN] = OK(SAME),
        [TG] = OK(SAME),
        [SU] = OK(SAME),
        [ER] = OK(SAME),  /* decision: stays in ERROR until the caller resumes */
        [TE] = OK(SAME),  /* the retry timer still runs */
        [TD] = OK(Q),     /* documented: there is work again */
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_RESUME] = {
        [Q]  = { R_RESUME, SAME },  /* decision: already active, S_OK */
        [CN] = { R_RESUME, SAME },  /* decision: already active, S_OK */
        [TG] = { R_RESUME, SAME },  /* decision: already active, S_OK */
        [SU] = { R_RESUME, Q },
        [ER] = { R_RESUME, Q },     /* documented: restart after the error */
        [TE] = { R_RESUME, Q },     /* documented: retry now, not at the timer */
        /* decision: S_OK and stays TRANSFERRED. Every file is in, nothing
         * is left to queue; going to QUEUED would only rerun an empty
         * transfer and fire JobTransferred twice. Resume documents no
         * error for a job that has files and is not final. */
        [TD] = { R_RESUME, SAME },
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_SUSPEND] = {
        [Q]  = OK(SU),
        [CN] = OK(SU),
        [TG] = OK(SU),
        [SU] = OK(SAME),  /* documented: suspending a suspended job is fine */
        /* decision: S_OK and stays ERROR. The documentation counts jobs in
         * error as suspended already; keeping the state keeps GetError
         * available, and Resume restarts the job the same way. */
        [ER] = OK(SAME),
        [TE] = OK(SU),    /* decision: the pending retry is dropped */
        /* decision: S_OK and stays TRANSFERRED. A finished job counts as
         * suspended; moving it to SUSPENDED would hide that every file is
         * in and make a later Resume transfer nothing again. */
        [TD] = OK(SAME),
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_CANCEL] = {
        [Q]  = OK(CA),
        [CN] = OK(CA),
        [TG] = OK(CA),
        [SU] = OK(CA),
        [ER] = OK(CA),
        [TE] = OK(CA),
        [TD] = OK(CA),
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_COMPLETE] = {
        /* Documented for downloads: allowed in any state but the final
         * ones; files not fully transferred are dropped. (Upload jobs,
         * which must be TRANSFERRED, are not supported.) */
        [Q]  = { R_COMPLETE, AK },
        [CN] = { R_COMPLETE, AK },
        [TG] = { R_COMPLETE, AK },
        [SU] = { R_COMPLETE, AK },
        [ER] = { R_COMPLETE, AK },
        [TE] = { R_COMPLETE, AK },
        [TD] = { R_COMPLETE, AK },
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_MODIFY] = {
        /* Documented for the setters: anything but the final states. */
        [Q]  = OK(SAME),
        [CN] = OK(SAME),
        [TG] = OK(SAME),
        [SU] = OK(SAME),
        [ER] = OK(SAME),
        [TE] = OK(SAME),
        [TD] = OK(SAME),
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_CONNECT] = {
        [Q]  = OK(CN),
        /* decision: the worker connects once per file, so CONNECT is also
         * allowed while connecting (a redirect, a second attempt) and
         * after the previous file's bytes (TRANSFERRING). */
        [CN] = OK(SAME),
        [TG] = OK(CN),
        [SU] = BAD,       /* suspended meanwhile: the worker stops */
        [ER] = BAD,
        [TE] = OK(CN),    /* a retry connects straight away */
        [TD] = BAD,
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_DATA] = {
        [Q]  = BAD,       /* decision: bytes arrive only after CONNECT */
        [CN] = OK(TG),
        [TG] = OK(SAME),
        [SU] = BAD,
        [ER] = BAD,
        [TE] = BAD,
        [TD] = BAD,
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_ALL_DONE] = {
        /* decision: also from QUEUED, for a job whose files were all found
         * complete before any connection (resumed temp files, empty ranges).
         * Refused unless files_transferred == files_total > 0. */
        [Q]  = { R_ALL_DONE, TD },
        [CN] = { R_ALL_DONE, TD },
        [TG] = { R_ALL_DONE, TD },
        [SU] = BAD,
        [ER] = BAD,
        [TE] = BAD,
        [TD] = BAD,
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_FAIL] = {
        [Q]  = OK(ER),
        [CN] = OK(ER),
        [TG] = OK(ER),
        [SU] = BAD,
        [ER] = BAD,
        /* the no-progress timeout ran out while waiting to retry */
        [TE] = OK(ER),
        [TD] = BAD,
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_FAIL_TRANSIENT] = {
        [Q]  = OK(TE),
        [CN] = OK(TE),    /* documented: a failed connection */
        [TG] = OK(TE),
        [SU] = BAD,
        [ER] = BAD,
        [TE] = BAD,       /* decision: a retry goes through RETRY/CONNECT first */
        [TD] = BAD,
        [AK] = BAD,
        [CA] = BAD,
    },
    [BITSDO_OP_RETRY] = {
        [Q]  = BAD,
        [CN] = BAD,
        [TG] = BAD,
        [SU] = BAD,       /* suspended meanwhile: the timer does nothing */
        [ER] = BAD,
        [TE] = OK(Q),
        [TD] = BAD,
        [AK] = BAD,
        [CA] = BAD,
    },
    /* decision: a file counted as transferred whose temp file someone
     * deleted cannot be completed; the job goes to ERROR, from which
     * Resume transfers that file again, whatever state it was in. */
    [BITSDO_OP_LOSE_FILE] = {
        [Q]  = OK(ER),
        [CN] = OK(ER),
        [TG] = OK(ER),
        [SU] = OK(ER),
        [ER] = OK(SAME),
        [TE] = OK(ER),
        [TD] = OK(ER),
        [AK] = BAD,
        [CA] = BAD,
    },
};

/* clang-format on */
#undef Q
#undef CN
#undef TG
#undef SU
#undef ER
#undef TE
#undef TD
#undef AK
#undef CA
#undef OK
#undef BAD

bitsdo_hr bitsdo_state_apply(bitsdo_state *state, bitsdo_op op, const bitsdo_state_ctx *ctx)
{
    static const bitsdo_state_ctx none = {0, 0};
    const bitsdo__cell *cell;
    bitsdo_hr hr = BITSDO_S_OK;

    if (!state)
        return BITSDO_E_POINTER;
    if ((unsigned)*state >= BITSDO_STATE_COUNT || (unsigned)op >= BITSDO_OP_COUNT)
        return BITSDO_E_INVALIDARG;
    if (!ctx)
        ctx = &none;

    cell = &bitsdo__table[op][*state];
    switch (cell->result) {
    case R_OK:
        break;
    case R_INVALID:
        return BITSDO_BG_E_INVALID_STATE;
    case R_COMPLETE:
        if (ctx->files_transferred < ctx->files_total)
            hr = BITSDO_BG_S_PARTIAL_COMPLETE;
        break;
    case R_RESUME:
        if (!ctx->files_total)
            return BITSDO_BG_E_EMPTY;
        break;
    case R_ALL_DONE:
        if (!ctx->files_total || ctx->files_transferred != ctx->files_total)
            return BITSDO_BG_E_INVALID_STATE;
        break;
    }
    if (cell->next != SAME)
        *state = (bitsdo_state)cell->next;
    return hr;
}

int bitsdo_state_is_final(bitsdo_state s)
{
    return s == BITSDO_STATE_CANCELLED || s == BITSDO_STATE_ACKNOWLEDGED;
}

int bitsdo_state_is_active(bitsdo_state s)
{
    return s == BITSDO_STATE_QUEUED || s == BITSDO_STATE_CONNECTING || s == BITSDO_STATE_TRANSFERRING;
}

const char *bitsdo_state_name(bitsdo_state s)
{
    static const char *const names[BITSDO_STATE_COUNT] = {
        "QUEUED",
        "CONNECTING",
        "TRANSFERRING",
        "SUSPENDED",
        "ERROR",
        "TRANSIENT_ERROR",
        "TRANSFERRED",
        "ACKNOWLEDGED",
        "CANCELLED",
    };

    if ((unsigned)s >= BITSDO_STATE_COUNT)
        return NULL;
    return names[s];
}
