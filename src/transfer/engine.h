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
    /* Optional (host mode's progress mapping, publish.c): what the facade
     * reports as the job's state and error, given the engine's (the
     * defaults: the engine state as is, and the job's error in ERROR and
     * TRANSIENT_ERROR, else 0). Called with the job's lock held. */
    void (*public_state)(bitsdo_job *job, uint32_t *state, uint32_t *error);
} bitsdo_job_events;

/* What the HTTP transport saw of the final response (after redirects) of
 * the last request it made for the job, for DO's read-only Http*
 * properties, and the head of the last response for each file, for BITS's
 * per-file BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS. In memory only;
 * guarded by the job's lock. */
typedef struct bitsdo_http_seen {
    DWORD status;              /* 0 until a response arrived */
    WCHAR *headers;            /* the response head, CRLF lines, or NULL */
    WCHAR *redirect;           /* the URL redirected to, NULL if none */
    WCHAR *server_ip;          /* the server's address as text, or NULL */
    WCHAR **file_headers;      /* [file index]: that file's last head, or NULL */
    uint32_t file_headers_count;
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
    BOOL temp_must_stay;       /* DO downloads: a temp file that held counted
                                * bytes and is gone fails the file with
                                * ERROR_FILE_NOT_FOUND instead of starting over */
    /* Optional, set once before the first file is added (DO downloads to a
     * stream, dodownload.c): fetch.c calls it on the worker thread, no lock
     * held, once every byte of file `index` is in its temp file `temp` and
     * before the file counts as done, so the facade can copy the bytes
     * elsewhere. `gen` is the run it belongs to (stopped: E_ABORT). A
     * failure fails the file (not transient). NULL for everyone else. */
    HRESULT (*file_sink)(bitsdo_job *job, uint32_t index, HANDLE temp, LONG gen);
    bitsdo_list_entry entry;   /* in the process-wide list */
    /* The host's store writer only (src/host/persist.c, one thread): what
     * it wrote last. */
    bitsdo_filetime persisted_modified;
    uint64_t persisted_bytes;
    ULONGLONG persisted_tick;
    volatile LONG facade_gen;  /* bumped when the facade's own data changed
                                * (bitsdo_job_facade_changed) */
    LONG persisted_facade_gen; /* the store writer's: facade_gen it wrote */
    BOOL removed_quietly;      /* adopted ended: left the list without the
                                * `removed` hook (guarded by the list lock) */
    uint32_t progress_slot;    /* its slot in the host's progress mapping, for
                                * the job's whole life, or BITSDO_PROGMAP_NO_SLOT */
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

/* Puts a job that was stored by an earlier host back in the list: the job
 * takes rec's contents (rec is left initialised). A job that was active
 * (QUEUED..TRANSIENT_ERROR) is QUEUED again and its worker starts; the
 * others stay as they were. E_INVALIDARG for a final state or an id in
 * the list already. One reference for the caller. */
HRESULT bitsdo_job_adopt(bitsdo_job_rec *rec, const bitsdo_job_events *events, void *events_ctx,
                         bitsdo_job **out);

/* The same, with a facade: `prepare` (may be NULL) runs once the job holds
 * the record and before its worker can start, so the facade can set the
 * job's fields (ranges_in_place, progress_interval_ms, ...) and its own
 * data first. With `ended_ok`, a job in a final state (CANCELLED,
 * ACKNOWLEDGED) is adopted too, for a facade that still shows it (a
 * complete BITS 1.0 group): it is made and taken out of the list at once,
 * without the `removed` hook, and never runs. */
HRESULT bitsdo_job_adopt_ex(bitsdo_job_rec *rec, const bitsdo_job_events *events, void *events_ctx,
                            void (*prepare)(bitsdo_job *job, void *arg), void *arg, BOOL ended_ok,
                            bitsdo_job **out);
/* The facade's own data of the job changed (a DO property kept outside the
 * record, a BITS 1.0 group property): the store writes the job again. */
void bitsdo_job_facade_changed(bitsdo_job *job);
/* The facade stopped showing the job (a BITS 1.0 group taken out of the
 * queue): the `removed` hook runs (no lock may be held). */
void bitsdo_job_facade_removed(bitsdo_job *job);

/* Finds a job in the list by id (a reference for the caller), or
 * BG_E_NOT_FOUND. */
HRESULT bitsdo_job_find(const GUID *id, bitsdo_job **out);
/* A snapshot of the list: an array of referenced jobs (free with
 * bitsdo_job_list_free). `filter`, if set, keeps the jobs it returns TRUE for. */
HRESULT bitsdo_job_list(bitsdo_job ***jobs, ULONG *count,
                        BOOL (*filter)(bitsdo_job *job, void *ctx), void *ctx);
void bitsdo_job_list_free(bitsdo_job **jobs, ULONG count);
/* How many jobs `filter` (called with the list locked) keeps; no copies.
 * With no filter: every job in the list, without a walk. */
ULONG bitsdo_job_count(BOOL (*filter)(bitsdo_job *job, void *ctx), void *ctx);
/* Deletes the temp files of every job still in the list, for DllMain's
 * DLL_PROCESS_DETACH (process_exit: reserved != NULL, the other threads are
 * gone). Takes no lock it could wait for; see engine.c. */
void bitsdo_jobs_remove_temp_files(BOOL process_exit);
/* How many jobs are alive in the process (for DllCanUnloadNow). */
LONG bitsdo_job_live_count(void);
/* How many jobs in the list can make progress on their own (QUEUED,
 * CONNECTING, TRANSFERRING, TRANSIENT_ERROR): the host stays up for them. */
LONG bitsdo_job_active_count(void);

/* Checks a remote/local pair as AddFile does (names, that the local
 * folder exists and that the local name is not a folder): S_OK or
 * E_INVALIDARG. */
HRESULT bitsdo_job_check_names(const WCHAR *remote, const WCHAR *local);

/* E_INVALIDARG if one of `locals` (already valid local names) is the same
 * file as a file of the job or as another of `locals`, whatever the
 * spelling (case, '/' or '\\', 8.3 aliases of existing folders and files):
 * at Complete one would replace the other. S_OK otherwise (and for a job
 * in a final state, whose add reports that). For the AddFile calls of
 * BITS, BITS 1.0 and IDeliveryOptimizationJob; an IDODownload has one file. */
HRESULT bitsdo_job_check_new_locals(bitsdo_job *job, const WCHAR *const *locals, uint32_t count);

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
/* The same for a set of files whose names (bitsdo_job_check_names) and
 * ranges the caller has checked, with MaxFilesPerJob read once for the set
 * (each reading is a registry lookup: wineserver requests under Wine). */
HRESULT bitsdo_job_add_checked_file(bitsdo_job *job, const WCHAR *remote, const WCHAR *local,
                                    const bitsdo_range *ranges, uint32_t range_count, DWORD max_files);
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

/* What the host watches (persistence). `changed` runs whenever a job's
 * record changed (rec.modified was set), possibly with the job's lock held:
 * it must only note the fact and return. `removed` runs, no lock held,
 * when a job leaves the list for good (Cancel, Complete). Set once, before
 * any job exists; NULL in the private in-process mode. */
typedef struct bitsdo_engine_hooks {
    void (*changed)(bitsdo_job *job);
    void (*removed)(bitsdo_job *job);
} bitsdo_engine_hooks;
void bitsdo_engine_set_hooks(const bitsdo_engine_hooks *hooks);
/* With the job's lock held: the record changed now (rec.modified). */
void bitsdo__job_touch(bitsdo_job *job);

/* For transports (through fetch.c): bytes moved, notify if it is time. */
void bitsdo__job_progress(bitsdo_job *job);

/* The head of the last HTTP response seen for file `index` (CRLF lines) in
 * CoTaskMemAlloc'ed memory, or an empty string if none was seen (a file not
 * started yet, or not fetched over HTTP). */
HRESULT bitsdo_job_file_headers(bitsdo_job *job, uint32_t index, LPWSTR *out);
/* publish.c: host mode's progress mapping (src/core/progmap.h). The host
 * turns it on once, before any job exists, with a zeroed, initialised
 * view of BITSDO_PROGMAP_SLOTS slots that stays mapped until exit. */
BOOL bitsdo_publish_start(void *view, uint32_t slot_count);
BOOL bitsdo_publish_on(void);
/* A free slot for a new job, or BITSDO_PROGMAP_NO_SLOT (off, or full). */
uint32_t bitsdo__publish_alloc(void);
void bitsdo__publish_free(uint32_t slot);
/* Writes the job's state, error and counters into its slot (nothing
 * without one). With the job's lock held exclusively: every caller that
 * changes what the facade reports as the state calls it. */
void bitsdo_job_publish(bitsdo_job *job);
/* Writes only the counters (any thread, no lock needed). */
void bitsdo__job_publish_progress(bitsdo_job *job);

/* Current time as a FILETIME value. */
bitsdo_filetime bitsdo_now(void);
/* The calling thread's user SID as a string (malloc'ed UTF-16), or NULL.
 * In the host this is the host's user, which is every client's: the host
 * is per user (hostinfo.c names it by the user's SID). */
WCHAR *bitsdo_current_user_sid(void);
/* Whether the calling thread (its impersonation token, else the process's)
 * is a member of BUILTIN\Administrators: who may see every user's jobs. */
BOOL bitsdo_caller_is_admin(void);
/* Whether job's owner is the user whose SID is `sid` (a job without a
 * recorded owner belongs to nobody else, so to everyone). */
BOOL bitsdo_job_owned_by(const bitsdo_job *job, const WCHAR *sid);
/* Copies a string into CoTaskMemAlloc'ed memory for an [out] LPWSTR. */
HRESULT bitsdo_co_strdup(const WCHAR *s, LPWSTR *out);

#endif
