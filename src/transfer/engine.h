/* The job engine: a process-wide list of jobs, each a plain-data record
 * (src/core/jobrec.h) plus the Win32 machinery that runs it: a lock, one
 * worker thread at most, a wake event and the sink of its events.
 *
 * The COM facades (BITS job, DO download, BITS 1.0 job) all sit on these
 * jobs. Locking: `lock` guards the record and is held only for short,
 * non-blocking work; `op_lock` serialises the caller operations that may
 * wait (Suspend, Cancel, Complete). No lock is ever held while calling out
 * to a client (callbacks) or into a transport. */
#ifndef BITSDO_TRANSFER_ENGINE_H
#define BITSDO_TRANSFER_ENGINE_H

#include <windows.h>
#include <unknwn.h>

#include "callback_ref.h"
#include "jobrec.h"

typedef struct bitsdo_job bitsdo_job;
struct bitsdo_fetch;

/* An ordered read of a value other threads write with Interlocked*. */
static inline LONG bitsdo__read_long(volatile LONG *p)
{
    return InterlockedCompareExchange(p, 0, 0);
}

typedef struct bitsdo_list_entry {
    struct bitsdo_list_entry *next, *prev;
} bitsdo_list_entry;

typedef enum bitsdo_event {
    BITSDO_EVENT_STATE,       /* the job's state changed (to rec.state) */
    BITSDO_EVENT_TRANSFERRED, /* every file is in (retried until delivered) */
    BITSDO_EVENT_ERROR,       /* the job is in ERROR (retried until delivered) */
    BITSDO_EVENT_PROGRESS,    /* bytes moved */
    BITSDO_EVENT_FILE_DONE,   /* file `file` is complete */
    BITSDO_EVENT_MODIFIED,    /* a property or the file list changed */
} bitsdo_event;

/* The facade that owns a job's notifications implements these. They run on
 * the job's worker thread (or the caller's thread for MODIFIED), with no
 * engine lock held. They reach the client through bitsdo_callback_call
 * (callback_ref.h): in the client's apartment, bounded. `deliver` returns
 * TRUE when the event was delivered or needs no delivery, FALSE to have the
 * engine call it again for the same event after the job's retry delay (as
 * BITS retries failed callbacks; a call that timed out counts as failed). */
typedef struct bitsdo_job_events {
    BOOL (*deliver)(bitsdo_job *job, bitsdo_event event, uint32_t file);
    void (*release)(bitsdo_job *job);  /* the job is being freed */
} bitsdo_job_events;

/* What the HTTP transport saw of the final response (after redirects) of
 * the last request it made for the job, for DO's read-only Http*
 * properties. In memory only; guarded by the job's lock. */
typedef struct bitsdo_http_seen {
    DWORD status;              /* 0 until a response arrived */
    WCHAR *headers;            /* the response head, CRLF lines, or NULL */
    WCHAR *redirect;           /* the URL redirected to, NULL if none */
    WCHAR *server_ip;          /* the server's address as text, or NULL */
} bitsdo_http_seen;

struct bitsdo_job {
    LONG refs;
    SRWLOCK lock;              /* guards rec and the fields below */
    SRWLOCK op_lock;           /* serialises Suspend/Cancel/Complete/Resume */
    bitsdo_job_rec rec;
    const bitsdo_job_events *events;
    void *events_ctx;          /* the facade's own data */
    bitsdo_callback_ref *notify; /* the listener (IBackgroundCopyCallback or
                                * IDODownloadStatusCallback), or NULL */
    volatile LONG run_gen;     /* bumped by every stop request */
    HANDLE wake;               /* auto-reset: the worker re-evaluates */
    HANDLE worker;             /* running worker thread, or NULL */
    DWORD worker_tid;
    BOOL in_list;              /* still in the manager's list */
    struct bitsdo_fetch *fetch;/* the transfer under way, for abort */
    ULONGLONG last_progress;   /* GetTickCount64 of the last byte moved */
    DWORD progress_interval_ms;/* progress events at most this often unless the
                                * job's own minimum says otherwise; 0: every
                                * write (for a facade that filters itself) */
    bitsdo_http_seen http_seen;
    BOOL ranges_in_place;      /* DO downloads: a range's bytes go to its own
                                * offset in the local file (BITS packs them) */
    /* Optional, set once before the first file is added (DO downloads to a
     * stream, dodownload.c): fetch.c calls it on the worker thread, no lock
     * held, once every byte of file `index` is in its temp file `temp` and
     * before the file counts as done, so the facade can copy the bytes
     * elsewhere. `gen` is the run it belongs to (stopped: E_ABORT). A
     * failure fails the file (not transient). NULL for everyone else. */
    HRESULT (*file_sink)(bitsdo_job *job, uint32_t index, HANDLE temp, LONG gen);
    bitsdo_list_entry entry;   /* in the process-wide list */
};

/* Creates a SUSPENDED job of the given type, owned by the calling thread's
 * user, and puts it in the list. `id` NULL gets a new GUID; a given id
 * already in the list is E_INVALIDARG. One reference for the caller.
 * BG_E_TOO_MANY_JOBS_PER_USER past the limit. */
HRESULT bitsdo_job_create(const GUID *id, const WCHAR *display_name, DWORD type,
                          const bitsdo_job_events *events, void *events_ctx,
                          bitsdo_job **out);
void bitsdo_job_addref(bitsdo_job *job);
void bitsdo_job_release(bitsdo_job *job);

/* Finds a job in the list by id (a reference for the caller), or
 * BG_E_NOT_FOUND. */
HRESULT bitsdo_job_find(const GUID *id, bitsdo_job **out);
/* A snapshot of the list: an array of referenced jobs (free with
 * bitsdo_job_list_free). `filter`, if set, keeps the jobs it returns TRUE for. */
HRESULT bitsdo_job_list(bitsdo_job ***jobs, ULONG *count,
                        BOOL (*filter)(bitsdo_job *job, void *ctx), void *ctx);
void bitsdo_job_list_free(bitsdo_job **jobs, ULONG count);
/* How many jobs are alive in the process (for DllCanUnloadNow). */
LONG bitsdo_job_live_count(void);

/* Checks a remote/local pair as AddFile does (names, and that the local
 * folder exists): S_OK or E_INVALIDARG. */
HRESULT bitsdo_job_check_names(const WCHAR *remote, const WCHAR *local);

/* Checks byte ranges as AddFileWithRanges documents: E_INVALIDARG for
 * none (or NULL), BG_E_TOO_MANY_RANGES_IN_FILE past the limit,
 * BG_E_INVALID_RANGE for an offset of BG_LENGTH_TO_EOF or an end past
 * 2^64, BG_E_OVERLAPPING_RANGES when two ranges share a byte or an offset
 * (checked on the ranges sorted by offset, so a zero-length range at the
 * offset of another counts as overlapping, as documented), then
 * BG_E_INVALID_RANGE for a zero length. */
HRESULT bitsdo_ranges_check(const bitsdo_range *ranges, uint32_t count);

/* Caller operations, each with the documented result. */
/* ranges are checked with bitsdo_ranges_check when range_count is not 0. */
HRESULT bitsdo_job_add_file(bitsdo_job *job, const WCHAR *remote, const WCHAR *local,
                            const bitsdo_range *ranges, uint32_t range_count);
HRESULT bitsdo_job_resume(bitsdo_job *job);
/* Gives file `index` a new set of ranges (NULL/0: the whole file), for a
 * DO download started again on other ranges. The ranges already asked for
 * are kept in front of the new ones (their bytes stay counted), so the new
 * ones may not overlap them. A TRANSFERRED job goes back to QUEUED, like
 * AddFile. The job must not be transferring (BG_E_INVALID_STATE). */
HRESULT bitsdo_job_add_ranges(bitsdo_job *job, uint32_t index, const bitsdo_range *ranges,
                              uint32_t range_count);
HRESULT bitsdo_job_suspend(bitsdo_job *job);
HRESULT bitsdo_job_cancel(bitsdo_job *job);
HRESULT bitsdo_job_complete(bitsdo_job *job);
/* Checks that the job may still be modified (BG_E_INVALID_STATE if it is
 * CANCELLED or ACKNOWLEDGED); on S_OK the lock is held exclusively and the
 * caller must call bitsdo_job_modify_end. */
HRESULT bitsdo_job_modify_begin(bitsdo_job *job);
void bitsdo_job_modify_end(bitsdo_job *job, BOOL changed);
/* Replaces the listener (NULL clears) with `notify`'s interface `iid`, kept
 * as COM requires (callback_ref.h). Call it on the client's thread. */
HRESULT bitsdo_job_set_notify(bitsdo_job *job, IUnknown *notify, REFIID iid);
/* The listener, referenced (bitsdo_callback_ref_release), or NULL. */
bitsdo_callback_ref *bitsdo_job_get_notify(bitsdo_job *job);
/* The listener's interface `iid` for the calling thread (S_OK and NULL when
 * there is none), for GetNotifyInterface and the like. */
HRESULT bitsdo_job_get_notify_interface(bitsdo_job *job, REFIID iid, void **out);
/* Wakes the worker to re-evaluate (new retry delay, new notify target). */
void bitsdo_job_wake(bitsdo_job *job);

/* For transports (through fetch.c): bytes moved, notify if it is time. */
void bitsdo__job_progress(bitsdo_job *job);

/* Current time as a FILETIME value. */
bitsdo_filetime bitsdo_now(void);
/* The calling thread's user SID as a string (malloc'ed UTF-16), or NULL. */
WCHAR *bitsdo_current_user_sid(void);
/* Copies a string into CoTaskMemAlloc'ed memory for an [out] LPWSTR. */
HRESULT bitsdo_co_strdup(const WCHAR *s, LPWSTR *out);

#endif
