/* One file's transfer, as the engine hands it to a transport.
 *
 * The engine opens the hidden BIT*.tmp file beside the destination and
 * tells the transport where to resume; the transport delivers bytes with
 * bitsdo_fetch_write (which writes at an offset and advances the atomic
 * counters) and reports the file's size once known. Transports are the
 * test seam: each is a small vtable. */
#ifndef BITSDO_TRANSFER_FETCH_H
#define BITSDO_TRANSFER_FETCH_H

#include <windows.h>

#include "engine.h"
#include "names.h"
#include "sched.h"

typedef struct bitsdo_fetch {
    bitsdo_job *job;
    bitsdo_file_rec *file;      /* stable pointer into job->rec */
    uint32_t file_index;
    const WCHAR *remote;        /* file->remote_name as WCHAR */
    bitsdo_remote_kind kind;
    HANDLE temp;                /* the temp file, opened for writing */
    UINT64 offset;              /* bytes already in the temp file */
    LONG gen;                   /* job->run_gen when started */
    bitsdo_slot slot;           /* the scheduler's permission to transfer */
    /* Set by the transport: error context and whether to retry. */
    DWORD error_context;        /* BG_ERROR_CONTEXT */
    BOOL transient;
    /* A transport that can block may set these so a stop request from
     * another thread interrupts it (called with the job lock held). */
    void (*abort)(struct bitsdo_fetch *f);
    void *abort_ctx;
} bitsdo_fetch;

typedef struct bitsdo_transport {
    const char *name;
    BOOL (*handles)(bitsdo_remote_kind kind);
    /* Transfers the file from f->offset to its end (or its ranges). Returns
     * S_OK when every byte is in; on failure an HRESULT with error_context
     * and transient set. Returns E_ABORT promptly once stopped. */
    HRESULT (*fetch)(bitsdo_fetch *f);
} bitsdo_transport;

extern const bitsdo_transport bitsdo_transport_file;

/* TRUE once the job was suspended, cancelled or completed meanwhile. */
BOOL bitsdo_fetch_stopped(const bitsdo_fetch *f);
/* Records the file's total size (first time, or confirms it). A different
 * size than already known restarts the file (returns S_FALSE: the caller
 * starts over from offset 0). */
HRESULT bitsdo_fetch_set_size(bitsdo_fetch *f, UINT64 size);
/* Writes len bytes at offset into the temp file and counts them. Bytes past
 * the known size are refused (E_FAIL with LOCAL_FILE context). */
HRESULT bitsdo_fetch_write(bitsdo_fetch *f, UINT64 offset, const void *data, DWORD len);
/* Throws away what is in the temp file and starts the file from 0. */
HRESULT bitsdo_fetch_restart(bitsdo_fetch *f);

/* Runs file `index` of `job` to completion with the right transport:
 * creates or reopens the temp file, resumes, verifies the length. */
HRESULT bitsdo_fetch_file(bitsdo_job *job, uint32_t index, LONG gen,
                          DWORD *error_context, BOOL *transient);

#endif
