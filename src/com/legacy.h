/* BITS 1.0 (qmgr.h) on the job engine: what qmgr.c, group.c, job1.c and
 * the two GUID enumerators share.
 *
 * A group is one engine job (same GUID, type download, events
 * bitsdo_qm_events so the BITS manager never lists it). The group's own
 * data (notification settings, its one IBackgroundCopyJob1, size hints)
 * lives in a bitsdo_qm_group that the engine job owns as its events_ctx:
 * it is freed with the job, so every COM view that holds the job may use
 * it. The documentation allows one job per group (CreateJob returns
 * E_NOTIMPL for a second one), so that job's files are the group's files,
 * with the same indices. A group is complete once its files are renamed
 * into place: BITS 1.0 has no Complete call, so the group completes itself
 * when the transfer ends (engine TRANSFERRED -> Complete -> ACKNOWLEDGED).
 * CancelGroup takes the group out of the queue, keeping the files that were
 * completely downloaded (engine Complete, not Cancel). */
#ifndef BITSDO_COM_LEGACY_H
#define BITSDO_COM_LEGACY_H

#include "objects.h"

#define BITSDO_QM_MAX_DISPLAY_NAME 256
#define BITSDO_QM_MAX_DESCRIPTION 1024

typedef struct bitsdo_qm_group {
    bitsdo_job *job;            /* our engine job (not referenced: it owns us) */
    SRWLOCK commit_lock;        /* AddFiles against the group completing itself */
    SRWLOCK lock;               /* guards everything below; never held across a call out */
    BOOL has_job;               /* CreateJob was called: the group's one job exists */
    GUID job_id;
    DWORD *size_hints;          /* FILESETINFO.dwSizeHint by file index, as given */
    uint32_t hint_count;
    DWORD notify_flags;         /* QM_NOTIFY_* (0: errors only, the default) */
    DWORD protocol;             /* GROUPPROP_PROTOCOLFLAGS */
    BOOL has_notify_clsid;
    CLSID notify_clsid;         /* GROUPPROP_NOTIFYCLSID */
    bitsdo_callback_ref *callback; /* SetNotificationPointer's, kept as COM requires */
    DWORD progress_size;        /* GROUPPROP_PROGRESSSIZE: OnProgress every n bytes, 0 = never */
    DWORD progress_percent;     /* GROUPPROP_PROGRESSPERCENT: every n percent, 0 = never */
    uint64_t notified_bytes;    /* what the last OnProgress(SIZE) reported */
    DWORD notified_percent;     /* what the last OnProgress(PERCENT) reported */
    volatile LONG cancelled;    /* CancelGroup: out of the queue (read without the lock) */
    BOOL error_notified;        /* the current error was delivered to the QM callback */
    BOOL error_bits_notified;   /* ... and to the modern view's listener */
    volatile LONG percent_mark; /* highest percent reported: percent never goes back */
    HANDLE wake;                /* auto-reset: a retried OnStatus tries again at once */
} bitsdo_qm_group;

/* Where a group is in its life, as BITS 1.0 sees it. */
typedef enum bitsdo_qm_phase {
    BITSDO_QM_ACTIVE,           /* in the queue, not complete (suspended, running, error) */
    BITSDO_QM_COMPLETE,         /* every file in place */
    BITSDO_QM_GONE,             /* cancelled (CancelGroup, or through the modern view) */
} bitsdo_qm_phase;

/* group.c */
extern const bitsdo_job_events bitsdo_qm_events;
/* A new SUSPENDED group (engine job with that GUID plus its data); one
 * reference for the caller. E_INVALIDARG if a job with that GUID exists. */
HRESULT bitsdo_qm_group_new(const GUID *id, bitsdo_job **out);
static inline bitsdo_qm_group *bitsdo_qm_group_of(bitsdo_job *job)
{
    return (bitsdo_qm_group *)job->events_ctx;
}
bitsdo_qm_phase bitsdo_qm_phase_of(bitsdo_job *job);
/* The host's store (src/host/persist.c): the group's own fields, and a
 * stored group back as an engine job in the queue (takes rec's contents and
 * the facade's hints; a complete group comes back complete). */
HRESULT bitsdo_qm_group_save(bitsdo_job *job, bitsdo_facade_rec *out);
HRESULT bitsdo_qm_group_restore(bitsdo_job_rec *rec, bitsdo_facade_rec *facade, bitsdo_job **out);
/* IBackgroundCopyGroup view of a group (takes its own job reference). */
HRESULT bitsdo_group_object_create(bitsdo_job *job, IBackgroundCopyGroup **out);
/* GetProgress for group and job: QM_PROGRESS_PERCENT_DONE or _SIZE_DONE. */
HRESULT bitsdo_qm_get_progress(bitsdo_job *job, DWORD flags, DWORD *out);
/* The group's QM_STATUS_GROUP_* bits; QM_E_INVALID_STATE once it is gone. */
HRESULT bitsdo_qm_group_status(bitsdo_job *job, DWORD *status);
/* Engine results as BITS 1.0 reports them (BG_E_INVALID_STATE and
 * BG_E_EMPTY become QM_E_INVALID_STATE). */
HRESULT bitsdo_qm_result(HRESULT hr);
/* The last error as (win32 result, transport result, retries). */
void bitsdo_qm_error_info(bitsdo_job *job, DWORD *win32, DWORD *transport, DWORD *retries);

/* job1.c: the group's IBackgroundCopyJob1 (takes its own job reference). */
HRESULT bitsdo_job1_object_create(bitsdo_job *job, IBackgroundCopyJob1 **out);

/* qmgr.c: the queue, every group not yet cancelled. */
/* Creates and enqueues a group; E_INVALIDARG if the GUID is taken. */
HRESULT bitsdo_qm_queue_create(const GUID *id, bitsdo_job **out);
/* A reference to the group with that GUID, or QM_E_ITEM_NOT_FOUND. */
HRESULT bitsdo_qm_queue_find(const GUID *id, bitsdo_job **out);
/* Takes the group out of the queue (no-op if it is not there). */
void bitsdo_qm_queue_remove(bitsdo_job *job);
/* Puts a restored group in the queue (the queue takes its own reference);
 * E_INVALIDARG if its GUID is there already. */
HRESULT bitsdo_qm_queue_adopt(bitsdo_job *job);
/* A snapshot of the queue's groups not gone, referenced (free with
 * bitsdo_job_list_free). */
HRESULT bitsdo_qm_queue_list(bitsdo_job ***jobs, ULONG *count);
/* The GUIDs of the groups in the queue (malloc'ed array). */
HRESULT bitsdo_qm_queue_ids(GUID **ids, ULONG *count);

/* enum_guids.c: take ownership of the malloc'ed array. */
HRESULT bitsdo_enum_groups_create(GUID *ids, ULONG count, IEnumBackgroundCopyGroups **out);
HRESULT bitsdo_enum_jobs1_create(GUID *ids, ULONG count, IEnumBackgroundCopyJobs1 **out);

#endif
