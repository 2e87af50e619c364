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
    /* A file added with ranges (a copy taken when the fetch starts; NULL
     * for a whole file). Its progress, `offset` and the counters, counts
     * the bytes of the ranges in the order given; the transport asks
     * bitsdo_fetch_range_piece where the next bytes come from and go. */
    bitsdo_range *ranges;
    uint32_t range_count;
    BOOL in_place;              /* job->ranges_in_place */
    UINT64 remote_size;         /* BITSDO_SIZE_UNKNOWN until the transport saw it */
    /* Test seam (BITSDO_TEST_WRITE_FAIL="OFFSET:WIN32ERROR", read when the
     * file's fetch starts): a write that would reach temp-file offset
     * fail_at fails with fail_error instead, as a full or failing disk
     * would. fail_error 0: no seam. */
    UINT64 fail_at;
    DWORD fail_error;
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
/* Ranged files. Where the bytes of a range go in the temp file:
 *   BITS (packed, as AddFileWithRanges documents): one range after the
 *     other in the order given, so the local file is exactly the ranges;
 *   DO (in place): at the range's own offset; the temp file starts as a
 *     copy of the local file, so the bytes outside the ranges are the
 *     local file's (nothing, or zeros, for a new file).
 * bitsdo_fetch_range_size: the remote file's size is known; resolves
 * BG_LENGTH_TO_EOF lengths, sets the file's total to the sum of the range
 * lengths (through bitsdo_fetch_set_size: S_FALSE means it restarted) and
 * returns BG_E_INVALID_RANGE (error context REMOTE_FILE, not transient)
 * when a range does not lie inside the remote file. */
HRESULT bitsdo_fetch_range_size(bitsdo_fetch *f, UINT64 remote_size);
/* The next piece at progress `pos`: remote offset *src, *len bytes
 * (BITSDO_SIZE_UNKNOWN: to the end, while the remote size is unknown),
 * and the temp-file offset *dst they are written at. S_FALSE when pos is
 * past the last range. */
HRESULT bitsdo_fetch_range_piece(const bitsdo_fetch *f, UINT64 pos, UINT64 *src, UINT64 *len,
                                 UINT64 *dst);

/* Throws away what is in the temp file and starts the file from 0. */
HRESULT bitsdo_fetch_restart(bitsdo_fetch *f);

/* Runs file `index` of `job` to completion with the right transport:
 * creates or reopens the temp file, resumes, verifies the length. */
HRESULT bitsdo_fetch_file(bitsdo_job *job, uint32_t index, LONG gen,
                          DWORD *error_context, BOOL *transient);

#endif
