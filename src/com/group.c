/* IBackgroundCopyGroup (BITS 1.0, qmgr.h): a group is one engine job, and
 * this file also holds how that job's engine events reach the group's
 * IBackgroundCopyCallback1 (see legacy.h for the model).
 *
 * Facts from the qmgr.h documentation this follows:
 *   - new groups, groups in error and finished groups are suspended
 *     (SuspendGroup); a group holds one job (CreateJob, EnumJobs);
 *   - CreateGroup with a GUID in use: E_INVALIDARG; GetGroup/GetJob of an
 *     unknown GUID: QM_E_ITEM_NOT_FOUND; CreateJob on a running group:
 *     QM_E_INVALID_STATE, a second job: E_NOTIMPL; EnumJobs/EnumGroups with
 *     flags: E_NOTIMPL;
 *   - GetProgress: percent or bytes; QM_PROGRESS_TIME_DONE is E_NOTIMPL;
 *   - CancelGroup removes the group; files completely downloaded stay;
 *   - GROUPPROP: PRIORITY is always 1, PROTOCOLFLAGS must be
 *     QM_PROTOCOL_HTTP, the four credential properties and PROGRESSTIME are
 *     not supported (E_NOTIMPL), DISPLAYNAME <= 256 and DESCRIPTION <= 1024
 *     characters (VT_BSTR), NOTIFYCLSID a CLSID as VT_BSTR, integer
 *     properties as VT_I4/I2/UI4/UI2/INT/UINT; a wrong variant type is
 *     E_INVALIDARG;
 *   - OnStatus is called on errors by default and, with QM_NOTIFY_GROUP_DONE,
 *     when the group is complete; QM_NOTIFY_DISABLE_NOTIFY silences all;
 *     OnStatus is called again until it returns S_OK.
 * Where Windows documents a feature as "not supported" and we can do it
 * honestly, we do (all are opt-in, the defaults behave as documented):
 * QM_NOTIFY_FILE_DONE and QM_NOTIFY_JOB_DONE call OnStatus for a finished
 * file / job; GROUPPROP_PROGRESSPERCENT and GROUPPROP_PROGRESSSIZE set how
 * often OnProgress reports (every n percent / n bytes; 0, the default, never)
 * and QM_NOTIFY_USE_PROGRESSEX selects OnProgressEx (with no byte array). */
#include "legacy.h"

#include <stdlib.h>

#include "errors.h"
#include "wstr.h"

#define VALID_QM_NOTIFY_FLAGS                                                                  \
    (QM_NOTIFY_FILE_DONE | QM_NOTIFY_JOB_DONE | QM_NOTIFY_GROUP_DONE | QM_NOTIFY_DISABLE_NOTIFY | \
     QM_NOTIFY_USE_PROGRESSEX)
#define NO_FILE ((DWORD)-1)

/* --- the group's data, owned by its engine job ----------------------------- */

static void qm_release(bitsdo_job *job)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);

    if (!g)
        return;
    if (g->callback)
        bitsdo_callback_ref_release(g->callback);
    if (g->wake)
        CloseHandle(g->wake);
    free(g->size_hints);
    free(g);
}

static BOOL qm_deliver(bitsdo_job *job, bitsdo_event event, uint32_t file);

const bitsdo_job_events bitsdo_qm_events = {
    qm_deliver,
    qm_release,
    NULL, /* groups get no slot readers yet: BITS 1.0 objects marshal standard */
};

static HRESULT group_alloc(bitsdo_qm_group **out)
{
    bitsdo_qm_group *g;

    if (!(g = calloc(1, sizeof(*g))))
        return E_OUTOFMEMORY;
    InitializeSRWLock(&g->commit_lock);
    InitializeSRWLock(&g->lock);
    g->protocol = QM_PROTOCOL_HTTP;
    if (!(g->wake = CreateEventW(NULL, FALSE, FALSE, NULL))) {
        free(g);
        return HRESULT_FROM_WIN32(GetLastError());
    }
    *out = g;
    return S_OK;
}

HRESULT bitsdo_qm_group_new(const GUID *id, bitsdo_job **out)
{
    bitsdo_qm_group *g;
    bitsdo_job *job;
    HRESULT hr;

    if (FAILED(hr = group_alloc(&g)))
        return hr;
    hr = bitsdo_job_create(id, L"", BG_JOB_TYPE_DOWNLOAD, &bitsdo_qm_events, g, &job);
    if (FAILED(hr)) {
        /* The engine never took g: it is still ours to free. */
        CloseHandle(g->wake);
        free(g);
        return hr;
    }
    g->job = job;
    *out = job;
    return S_OK;
}

/* --- state, progress and errors as BITS 1.0 reports them ----------------- */

static bitsdo_state engine_state(bitsdo_job *job)
{
    bitsdo_state state;

    AcquireSRWLockShared(&job->lock);
    state = job->rec.state;
    ReleaseSRWLockShared(&job->lock);
    return state;
}

bitsdo_qm_phase bitsdo_qm_phase_of(bitsdo_job *job)
{
    bitsdo_progress p;

    if (bitsdo__read_long(&bitsdo_qm_group_of(job)->cancelled))
        return BITSDO_QM_GONE;
    switch (engine_state(job)) {
    case BITSDO_STATE_CANCELLED:
        return BITSDO_QM_GONE;
    case BITSDO_STATE_ACKNOWLEDGED:
        /* Completed by us (or through the modern view): complete only if
         * every file made it; a partial Complete dropped files. */
        bitsdo_counters_read(&job->rec.counters, &p);
        return p.files_total && p.files_transferred == p.files_total ? BITSDO_QM_COMPLETE
                                                                     : BITSDO_QM_GONE;
    default:
        return BITSDO_QM_ACTIVE;
    }
}

HRESULT bitsdo_qm_result(HRESULT hr)
{
    if (hr == BITSDO_BG_E_INVALID_STATE || hr == BITSDO_BG_E_EMPTY)
        return BITSDO_QM_E_INVALID_STATE;
    return hr;
}

HRESULT bitsdo_qm_group_status(bitsdo_job *job, DWORD *status)
{
    bitsdo_qm_phase phase = bitsdo_qm_phase_of(job);
    bitsdo_state state;
    uint32_t priority;
    DWORD s;

    if (phase == BITSDO_QM_GONE)
        return BITSDO_QM_E_INVALID_STATE; /* no QM_STATUS bit describes a cancelled group */
    if (phase == BITSDO_QM_COMPLETE) {
        *status = QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_SUSPENDED;
        return S_OK;
    }
    AcquireSRWLockShared(&job->lock);
    state = job->rec.state;
    priority = job->rec.priority;
    ReleaseSRWLockShared(&job->lock);
    switch (state) {
    case BITSDO_STATE_SUSPENDED:
        s = QM_STATUS_GROUP_SUSPENDED | QM_STATUS_GROUP_INCOMPLETE;
        break;
    case BITSDO_STATE_ERROR:
        /* Documented: a group in error is suspended until resumed. */
        s = QM_STATUS_GROUP_ERROR | QM_STATUS_GROUP_SUSPENDED;
        break;
    default:
        /* Queued, connecting, transferring, waiting to retry after a
         * transient error, or transferred with the files not yet renamed:
         * QMGR is still working on it. */
        s = QM_STATUS_GROUP_INCOMPLETE;
        break;
    }
    if (priority == BG_JOB_PRIORITY_FOREGROUND)
        s |= QM_STATUS_GROUP_FOREGROUND;
    *status = s;
    return S_OK;
}

static DWORD saturate32(uint64_t v)
{
    return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : (DWORD)v;
}

/* 0..99 from the counters: bytes when every size is known, otherwise the
 * share of finished files. Never 100: only a complete group is. */
static DWORD raw_percent(const bitsdo_progress *p)
{
    uint64_t pct;

    if (!p->files_total)
        return 0;
    if (p->bytes_total == BITSDO_SIZE_UNKNOWN || !p->bytes_total)
        pct = (uint64_t)p->files_transferred * 100 / p->files_total;
    else if (p->bytes_total > UINT64_MAX / 100)
        pct = p->bytes_transferred / (p->bytes_total / 100);
    else
        pct = p->bytes_transferred * 100 / p->bytes_total;
    return pct > 99 ? 99 : (DWORD)pct;
}

/* The group's percent: 100 only when complete, and never lower than what
 * was reported before (a size learnt late, or a file restarted, would
 * otherwise move it back). Lock-free: counters plus one Interlocked mark. */
static DWORD group_percent(bitsdo_job *job)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    bitsdo_progress p;
    LONG pct, mark, prev;

    if (bitsdo_qm_phase_of(job) == BITSDO_QM_COMPLETE)
        return 100;
    bitsdo_counters_read(&job->rec.counters, &p);
    pct = (LONG)raw_percent(&p);
    mark = bitsdo__read_long(&g->percent_mark);
    while (pct > mark) {
        prev = InterlockedCompareExchange(&g->percent_mark, pct, mark);
        if (prev == mark)
            return (DWORD)pct;
        mark = prev;
    }
    return (DWORD)mark;
}

HRESULT bitsdo_qm_get_progress(bitsdo_job *job, DWORD flags, DWORD *out)
{
    bitsdo_progress p;

    if (!out)
        return E_POINTER;
    switch (flags) {
    case QM_PROGRESS_PERCENT_DONE:
        *out = group_percent(job);
        return S_OK;
    case QM_PROGRESS_SIZE_DONE:
        /* A DWORD: past 4 GiB it stays at 0xFFFFFFFF. */
        bitsdo_counters_read(&job->rec.counters, &p);
        *out = saturate32(p.bytes_transferred);
        return S_OK;
    case QM_PROGRESS_TIME_DONE:
        return E_NOTIMPL; /* documented as not supported */
    default:
        return E_INVALIDARG;
    }
}

void bitsdo_qm_error_info(bitsdo_job *job, DWORD *win32, DWORD *transport, DWORD *retries)
{
    bitsdo_state state;
    HRESULT hr;
    uint32_t count;

    AcquireSRWLockShared(&job->lock);
    state = job->rec.state;
    hr = job->rec.error_hr;
    count = job->rec.error_count;
    ReleaseSRWLockShared(&job->lock);
    *win32 = *transport = *retries = 0;
    /* Documented as valid only while the group is in error. */
    if (state != BITSDO_STATE_ERROR || !FAILED(hr))
        return;
    if (HRESULT_FACILITY(hr) == FACILITY_WIN32)
        *win32 = HRESULT_CODE(hr);
    else
        *win32 = (DWORD)hr; /* not a Win32 failure: the HRESULT itself */
    if (((DWORD)hr & 0xFFFF0000u) == 0x80190000u)
        *transport = HRESULT_CODE(hr); /* BG_E_HTTP_ERROR_nnn: the HTTP status */
    *retries = count ? count - 1 : 0;  /* attempts after the first failure */
}

/* --- notifications --------------------------------------------------------- */

/* The listener: the one from SetNotificationPointer, else one that makes a
 * new object of GROUPPROP_NOTIFYCLSID for each call (in this process, as
 * QMGR does). S_OK with *out NULL when there is none. */
static HRESULT qm_listener(bitsdo_qm_group *g, bitsdo_callback_ref **out)
{
    CLSID clsid;
    BOOL has_clsid;

    AcquireSRWLockShared(&g->lock);
    if ((*out = g->callback))
        bitsdo_callback_ref_addref(*out);
    has_clsid = g->has_notify_clsid;
    clsid = g->notify_clsid;
    ReleaseSRWLockShared(&g->lock);
    if (*out || !has_clsid)
        return S_OK;
    return bitsdo_callback_ref_create_clsid(&clsid, &IID_IBackgroundCopyCallback1, out);
}

static DWORD qm_flags(bitsdo_qm_group *g)
{
    DWORD flags;

    AcquireSRWLockShared(&g->lock);
    flags = g->notify_flags;
    ReleaseSRWLockShared(&g->lock);
    return flags;
}

/* Views for a callback: the group, and its job when it has one. */
static HRESULT qm_views(bitsdo_job *job, BOOL with_job, IBackgroundCopyGroup **group,
                        IBackgroundCopyJob1 **job1)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    BOOL has_job;
    HRESULT hr;

    *job1 = NULL;
    if (FAILED(hr = bitsdo_group_object_create(job, group)))
        return hr;
    AcquireSRWLockShared(&g->lock);
    has_job = g->has_job;
    ReleaseSRWLockShared(&g->lock);
    if (with_job && has_job && FAILED(hr = bitsdo_job1_object_create(job, job1))) {
        IBackgroundCopyGroup_Release(*group);
        return hr;
    }
    return S_OK;
}

/* One call to the listener, made in its apartment on a caller thread
 * (callback_ref.h): the views and values, released once the call is over. */
typedef struct qm_call {
    BOOL progress;              /* OnProgress(Ex), else OnStatus */
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job1;
    DWORD file, status, retries, win32, transport; /* OnStatus */
    DWORD flags, type, value;                       /* OnProgress */
} qm_call;

static void qm_call_free(void *arg)
{
    qm_call *call = arg;

    if (call->job1)
        IBackgroundCopyJob1_Release(call->job1);
    if (call->group)
        IBackgroundCopyGroup_Release(call->group);
    free(call);
}

static HRESULT qm_call_run(IUnknown *iface, void *arg)
{
    IBackgroundCopyCallback1 *callback = (IBackgroundCopyCallback1 *)iface;
    qm_call *call = arg;

    if (!call->progress)
        return IBackgroundCopyCallback1_OnStatus(callback, call->group, call->job1, call->file, call->status,
                                                 call->retries, call->win32, call->transport);
    if (call->flags & QM_NOTIFY_USE_PROGRESSEX)
        return IBackgroundCopyCallback1_OnProgressEx(callback, call->type, call->group, call->job1, call->file,
                                                     call->value, 0, NULL);
    return IBackgroundCopyCallback1_OnProgress(callback, call->type, call->group, call->job1, call->file,
                                               call->value);
}

/* Makes the call (takes `call`); S_OK when there is no listener. */
static HRESULT qm_call_listener(bitsdo_job *job, BOOL with_job, qm_call *call)
{
    bitsdo_callback_ref *listener;
    HRESULT hr;

    if (FAILED(hr = qm_listener(bitsdo_qm_group_of(job), &listener)) || !listener) {
        free(call);
        return hr;
    }
    if (SUCCEEDED(hr = qm_views(job, with_job, &call->group, &call->job1)))
        hr = bitsdo_callback_call(listener, job, &IID_IBackgroundCopyCallback1, qm_call_run, call,
                                  qm_call_free);
    else
        free(call);
    bitsdo_callback_ref_release(listener);
    return hr;
}

/* Calls OnStatus; S_OK also when there is no listener. A call that timed
 * out or reached an apartment that is gone failed like any other. */
static HRESULT qm_on_status(bitsdo_job *job, BOOL with_job, DWORD file, DWORD status,
                            DWORD retries, DWORD win32, DWORD transport)
{
    qm_call *call = calloc(1, sizeof(*call));

    if (!call)
        return E_OUTOFMEMORY;
    call->file = file;
    call->status = status;
    call->retries = retries;
    call->win32 = win32;
    call->transport = transport;
    return qm_call_listener(job, with_job, call);
}

static void qm_on_progress(bitsdo_job *job, DWORD flags, DWORD type, DWORD file, DWORD value)
{
    qm_call *call = calloc(1, sizeof(*call));

    if (!call)
        return;
    call->progress = TRUE;
    call->flags = flags;
    call->type = type;
    call->file = file;
    call->value = value;
    qm_call_listener(job, TRUE, call);
}

/* The file the worker is on: the first one not yet complete. */
static DWORD current_file(bitsdo_job *job)
{
    uint32_t i;
    DWORD index = NO_FILE;

    AcquireSRWLockShared(&job->lock);
    for (i = 0; i < job->rec.file_count; i++) {
        if (!bitsdo__load32(&job->rec.files[i]->counters.completed)) {
            index = i;
            break;
        }
    }
    ReleaseSRWLockShared(&job->lock);
    return index;
}

/* OnProgress as GROUPPROP_PROGRESSPERCENT / _PROGRESSSIZE ask: when the
 * value moved by at least the step since the last report. `final` reports
 * the end values of a complete group. Runs on the worker thread only. */
static void deliver_progress(bitsdo_job *job, BOOL final)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    bitsdo_progress p;
    DWORD flags, step_pct, step_size, pct, file;
    BOOL send_pct = FALSE, send_size = FALSE;
    uint64_t bytes;

    AcquireSRWLockShared(&g->lock);
    flags = g->notify_flags;
    step_pct = g->progress_percent;
    step_size = g->progress_size;
    ReleaseSRWLockShared(&g->lock);
    if ((flags & QM_NOTIFY_DISABLE_NOTIFY) || (!step_pct && !step_size))
        return;
    pct = group_percent(job);
    bitsdo_counters_read(&job->rec.counters, &p);
    bytes = p.bytes_transferred;

    AcquireSRWLockExclusive(&g->lock);
    if (step_pct && (final ? pct > g->notified_percent : pct >= g->notified_percent + step_pct)) {
        g->notified_percent = pct;
        send_pct = TRUE;
    }
    if (step_size && (final ? bytes > g->notified_bytes : bytes >= g->notified_bytes + step_size)) {
        g->notified_bytes = bytes;
        send_size = TRUE;
    }
    ReleaseSRWLockExclusive(&g->lock);

    file = final ? NO_FILE : current_file(job);
    if (send_pct)
        qm_on_progress(job, flags, QM_PROGRESS_PERCENT_DONE, file, pct);
    if (send_size)
        qm_on_progress(job, flags, QM_PROGRESS_SIZE_DONE, file, saturate32(bytes));
}

static DWORD retry_delay_ms(bitsdo_job *job)
{
    DWORD ms;

    AcquireSRWLockShared(&job->lock);
    ms = job->rec.min_retry_delay * 1000u;
    ReleaseSRWLockShared(&job->lock);
    return ms;
}

/* Every file is in: rename them into place (the group completes itself),
 * then tell the listener. Returns FALSE to have the engine try again later
 * (a destination that could not be replaced yet). */
static BOOL deliver_transferred(bitsdo_job *job, uint32_t file)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    DWORD flags, status;
    BOOL has_job;
    HRESULT hr = S_FALSE;

    AcquireSRWLockExclusive(&g->commit_lock);
    /* AddFiles may have queued more work since; CancelGroup may have taken
     * the group out. Only a job still TRANSFERRED is ours to complete. */
    if (!bitsdo__read_long(&g->cancelled) && engine_state(job) == BITSDO_STATE_TRANSFERRED)
        hr = bitsdo_job_complete(job);
    ReleaseSRWLockExclusive(&g->commit_lock);
    if (FAILED(hr)) {
        /* A destination could not be replaced (in use?): the job stays
         * TRANSFERRED and we try again after the retry delay. The engine
         * would call again at once, so the wait is here; CancelGroup ends it. */
        if (!bitsdo__read_long(&g->cancelled))
            WaitForSingleObject(g->wake, retry_delay_ms(job));
        return FALSE;
    }
    if (hr == S_FALSE || bitsdo_qm_phase_of(job) != BITSDO_QM_COMPLETE)
        return TRUE;

    deliver_progress(job, TRUE);
    flags = qm_flags(g);
    status = QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_SUSPENDED;
    AcquireSRWLockShared(&g->lock);
    has_job = g->has_job;
    ReleaseSRWLockShared(&g->lock);
    if (has_job && (flags & QM_NOTIFY_JOB_DONE) && !(flags & QM_NOTIFY_DISABLE_NOTIFY))
        qm_on_status(job, TRUE, NO_FILE, QM_STATUS_JOB_COMPLETE | status, 0, 0, 0);

    /* Documented: OnStatus is called again until it returns S_OK. The job
     * is final now, so waiting here holds up nothing; CancelGroup, a new
     * listener or new flags wake us early. */
    ResetEvent(g->wake);
    for (;;) {
        flags = qm_flags(g);
        if (!(flags & QM_NOTIFY_GROUP_DONE) || (flags & QM_NOTIFY_DISABLE_NOTIFY) ||
            bitsdo__read_long(&g->cancelled))
            break;
        if (qm_on_status(job, FALSE, NO_FILE, status, 0, 0, 0) == S_OK)
            break;
        WaitForSingleObject(g->wake, retry_delay_ms(job));
    }
    /* A listener set through the modern view (QueryNewJobInterface) hears
     * JobTransferred too. The job is acknowledged already, so the engine
     * does not retry it. */
    bitsdo_bits_events.deliver(job, BITSDO_EVENT_TRANSFERRED, file);
    return TRUE;
}

static BOOL deliver_error(bitsdo_job *job, uint32_t file)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    DWORD flags = qm_flags(g), win32, transport, retries, index;
    BOOL done_qm, done_bits, ok = TRUE;
    int32_t error_file;
    HRESULT hr = S_OK;

    AcquireSRWLockShared(&g->lock);
    done_qm = g->error_notified;
    done_bits = g->error_bits_notified;
    ReleaseSRWLockShared(&g->lock);

    if (!done_qm) {
        /* Errors are reported by default; only DISABLE_NOTIFY stops it. */
        if (!(flags & QM_NOTIFY_DISABLE_NOTIFY)) {
            bitsdo_qm_error_info(job, &win32, &transport, &retries);
            AcquireSRWLockShared(&job->lock);
            error_file = job->rec.error_file;
            ReleaseSRWLockShared(&job->lock);
            index = error_file < 0 ? NO_FILE : (DWORD)error_file;
            hr = qm_on_status(job, TRUE, index, QM_STATUS_GROUP_ERROR | QM_STATUS_GROUP_SUSPENDED,
                              retries, win32, transport);
        }
        if (hr == S_OK)
            done_qm = TRUE;
        else
            ok = FALSE;
    }
    if (!done_bits) {
        if (bitsdo_bits_events.deliver(job, BITSDO_EVENT_ERROR, file))
            done_bits = TRUE;
        else
            ok = FALSE;
    }
    AcquireSRWLockExclusive(&g->lock);
    g->error_notified = done_qm;
    g->error_bits_notified = done_bits;
    ReleaseSRWLockExclusive(&g->lock);
    return ok; /* FALSE: the engine calls again after the retry delay */
}

static BOOL qm_deliver(bitsdo_job *job, bitsdo_event event, uint32_t file)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    DWORD flags;

    switch (event) {
    case BITSDO_EVENT_TRANSFERRED:
        return deliver_transferred(job, file);
    case BITSDO_EVENT_ERROR:
        return deliver_error(job, file);
    case BITSDO_EVENT_PROGRESS:
        deliver_progress(job, FALSE);
        break;
    case BITSDO_EVENT_FILE_DONE:
        flags = qm_flags(g);
        if ((flags & QM_NOTIFY_FILE_DONE) && !(flags & QM_NOTIFY_DISABLE_NOTIFY))
            qm_on_status(job, TRUE, file,
                         QM_STATUS_FILE_COMPLETE | QM_STATUS_JOB_INCOMPLETE | QM_STATUS_GROUP_INCOMPLETE,
                         0, 0, 0);
        break;
    case BITSDO_EVENT_STATE:
        /* Out of ERROR: the next error is a new one to report. */
        if (engine_state(job) != BITSDO_STATE_ERROR) {
            AcquireSRWLockExclusive(&g->lock);
            g->error_notified = g->error_bits_notified = FALSE;
            ReleaseSRWLockExclusive(&g->lock);
        }
        break;
    case BITSDO_EVENT_MODIFIED:
        break;
    }
    /* The modern view's listener (JobModification, FileTransferred); these
     * events are not retried. */
    bitsdo_bits_events.deliver(job, event, file);
    return TRUE;
}

/* --- IBackgroundCopyGroup -------------------------------------------------- */

typedef struct bitsdo_group_object {
    IBackgroundCopyGroup IBackgroundCopyGroup_iface;
    LONG refs;
    bitsdo_job *job;
} bitsdo_group_object;

static bitsdo_group_object *impl_from_IBackgroundCopyGroup(IBackgroundCopyGroup *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_group_object, IBackgroundCopyGroup_iface);
}

static bitsdo_job *job_of(IBackgroundCopyGroup *iface)
{
    return impl_from_IBackgroundCopyGroup(iface)->job;
}

static HRESULT WINAPI group_QueryInterface(IBackgroundCopyGroup *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (!riid) {
        *out = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyGroup)) {
        *out = iface;
        IBackgroundCopyGroup_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI group_AddRef(IBackgroundCopyGroup *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyGroup(iface)->refs);
}

static ULONG WINAPI group_Release(IBackgroundCopyGroup *iface)
{
    bitsdo_group_object *object = impl_from_IBackgroundCopyGroup(iface);
    ULONG refs = InterlockedDecrement(&object->refs);

    if (!refs) {
        bitsdo_job_release(object->job);
        free(object);
        bitsdo_module_release();
    }
    return refs;
}

/* An integer GROUPPROP value: the documented variant types, not negative. */
static HRESULT variant_dword(const VARIANT *v, DWORD *out)
{
    LONG value;

    switch (V_VT(v)) {
    case VT_I4:   value = V_I4(v); break;
    case VT_INT:  value = V_INT(v); break;
    case VT_I2:   value = V_I2(v); break;
    case VT_UI4:  *out = V_UI4(v); return S_OK;
    case VT_UINT: *out = V_UINT(v); return S_OK;
    case VT_UI2:  *out = V_UI2(v); return S_OK;
    default:
        return E_INVALIDARG;
    }
    if (value < 0)
        return E_INVALIDARG;
    *out = (DWORD)value;
    return S_OK;
}

static HRESULT variant_string(const VARIANT *v, const WCHAR **out, size_t max)
{
    if (V_VT(v) != VT_BSTR)
        return E_INVALIDARG;
    *out = V_BSTR(v) ? V_BSTR(v) : L"";
    if (V_BSTR(v) && SysStringLen(V_BSTR(v)) != wcslen(V_BSTR(v)))
        return E_INVALIDARG; /* a NUL inside would cut the value short */
    if (wcslen(*out) > max)
        return E_INVALIDARG; /* the documented length limit */
    return S_OK;
}

static HRESULT set_record_string(bitsdo_job *job, BOOL description, const WCHAR *value)
{
    HRESULT hr;

    if (FAILED(hr = bitsdo_job_modify_begin(job)))
        return bitsdo_qm_result(hr);
    hr = bitsdo_set_wstr(description ? &job->rec.description : &job->rec.display_name,
                         (const bitsdo_wchar *)value);
    bitsdo_job_modify_end(job, SUCCEEDED(hr));
    return hr;
}

static HRESULT WINAPI group_SetProp(IBackgroundCopyGroup *iface, GROUPPROP id, VARIANT *value)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    const WCHAR *str;
    CLSID clsid;
    DWORD n;
    HRESULT hr;

    if (!value)
        return E_INVALIDARG;
    if (bitsdo_qm_phase_of(job) == BITSDO_QM_GONE)
        return BITSDO_QM_E_INVALID_STATE;
    switch (id) {
    case GROUPPROP_PRIORITY:
        /* Documented: there is one priority, and it is 1. */
        if (FAILED(hr = variant_dword(value, &n)))
            return hr;
        return n == 1 ? S_OK : E_INVALIDARG;
    case GROUPPROP_PROTOCOLFLAGS:
        /* Documented: QM_PROTOCOL_HTTP is the value to set. The protocol of
         * each file still follows from its remote name. */
        if (FAILED(hr = variant_dword(value, &n)))
            return hr;
        if (n != QM_PROTOCOL_HTTP)
            return E_INVALIDARG;
        AcquireSRWLockExclusive(&g->lock);
        g->protocol = n;
        ReleaseSRWLockExclusive(&g->lock);
        bitsdo_job_facade_changed(job);
        return S_OK;
    case GROUPPROP_NOTIFYFLAGS:
        if (FAILED(hr = variant_dword(value, &n)))
            return hr;
        if (n & ~(DWORD)VALID_QM_NOTIFY_FLAGS)
            return E_INVALIDARG;
        AcquireSRWLockExclusive(&g->lock);
        g->notify_flags = n;
        ReleaseSRWLockExclusive(&g->lock);
        bitsdo_job_facade_changed(job);
        SetEvent(g->wake);
        return S_OK;
    case GROUPPROP_NOTIFYCLSID:
        if (FAILED(hr = variant_string(value, &str, 64)))
            return hr;
        if (*str && FAILED(CLSIDFromString(str, &clsid)))
            return E_INVALIDARG;
        AcquireSRWLockExclusive(&g->lock);
        g->has_notify_clsid = *str != 0;
        if (*str)
            g->notify_clsid = clsid;
        ReleaseSRWLockExclusive(&g->lock);
        bitsdo_job_facade_changed(job);
        SetEvent(g->wake);
        return S_OK;
    case GROUPPROP_PROGRESSSIZE:
        if (FAILED(hr = variant_dword(value, &n)))
            return hr;
        if (n > 0x7FFFFFFF)
            return E_INVALIDARG; /* read back as VT_I4 */
        AcquireSRWLockExclusive(&g->lock);
        g->progress_size = n;
        ReleaseSRWLockExclusive(&g->lock);
        bitsdo_job_facade_changed(job);
        return S_OK;
    case GROUPPROP_PROGRESSPERCENT:
        if (FAILED(hr = variant_dword(value, &n)))
            return hr;
        if (n > 100)
            return E_INVALIDARG;
        AcquireSRWLockExclusive(&g->lock);
        g->progress_percent = n;
        ReleaseSRWLockExclusive(&g->lock);
        bitsdo_job_facade_changed(job);
        return S_OK;
    case GROUPPROP_DISPLAYNAME:
        if (FAILED(hr = variant_string(value, &str, BITSDO_QM_MAX_DISPLAY_NAME)))
            return hr;
        return set_record_string(job, FALSE, str);
    case GROUPPROP_DESCRIPTION:
        if (FAILED(hr = variant_string(value, &str, BITSDO_QM_MAX_DESCRIPTION)))
            return hr;
        return set_record_string(job, TRUE, str);
    case GROUPPROP_REMOTEUSERID:
    case GROUPPROP_REMOTEUSERPWD:
    case GROUPPROP_LOCALUSERID:
    case GROUPPROP_LOCALUSERPWD:
    case GROUPPROP_PROGRESSTIME:
    default:
        return E_NOTIMPL; /* documented: a property that is not supported */
    }
}

static HRESULT bstr_variant(VARIANT *out, const WCHAR *s)
{
    if (!(V_BSTR(out) = SysAllocString(s ? s : L"")))
        return E_OUTOFMEMORY;
    V_VT(out) = VT_BSTR;
    return S_OK;
}

static HRESULT WINAPI group_GetProp(IBackgroundCopyGroup *iface, GROUPPROP id, VARIANT *out)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    WCHAR clsid[40];
    HRESULT hr;

    if (!out)
        return E_POINTER;
    VariantInit(out);
    V_VT(out) = VT_I4;
    AcquireSRWLockShared(&g->lock);
    switch (id) {
    case GROUPPROP_PRIORITY:
        V_I4(out) = 1;
        break;
    case GROUPPROP_PROTOCOLFLAGS:
        V_I4(out) = (LONG)g->protocol;
        break;
    case GROUPPROP_NOTIFYFLAGS:
        V_I4(out) = (LONG)g->notify_flags;
        break;
    case GROUPPROP_PROGRESSSIZE:
        V_I4(out) = (LONG)g->progress_size;
        break;
    case GROUPPROP_PROGRESSPERCENT:
        V_I4(out) = (LONG)g->progress_percent;
        break;
    case GROUPPROP_NOTIFYCLSID:
        clsid[0] = 0;
        if (g->has_notify_clsid)
            StringFromGUID2(&g->notify_clsid, clsid, ARRAYSIZE(clsid));
        ReleaseSRWLockShared(&g->lock);
        return bstr_variant(out, clsid);
    case GROUPPROP_DISPLAYNAME:
    case GROUPPROP_DESCRIPTION:
        ReleaseSRWLockShared(&g->lock);
        AcquireSRWLockShared(&job->lock);
        hr = bstr_variant(out, (const WCHAR *)(id == GROUPPROP_DISPLAYNAME ? job->rec.display_name
                                                                          : job->rec.description));
        ReleaseSRWLockShared(&job->lock);
        return hr;
    default:
        ReleaseSRWLockShared(&g->lock);
        V_VT(out) = VT_EMPTY;
        return E_NOTIMPL; /* credentials, PROGRESSTIME, unknown ids */
    }
    ReleaseSRWLockShared(&g->lock);
    return S_OK;
}

static HRESULT WINAPI group_GetProgress(IBackgroundCopyGroup *iface, DWORD flags, DWORD *out)
{
    return bitsdo_qm_get_progress(job_of(iface), flags, out);
}

static HRESULT WINAPI group_GetStatus(IBackgroundCopyGroup *iface, DWORD *status, DWORD *job_index)
{
    HRESULT hr;
    DWORD s;

    if (!status || !job_index)
        return E_POINTER;
    if (FAILED(hr = bitsdo_qm_group_status(job_of(iface), &s)))
        return hr;
    *status = s;
    *job_index = 0; /* documented: always 0, a group holds one job */
    return S_OK;
}

static HRESULT WINAPI group_GetJob(IBackgroundCopyGroup *iface, GUID id, IBackgroundCopyJob1 **out)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    BOOL found;

    if (!out)
        return E_POINTER;
    *out = NULL;
    AcquireSRWLockShared(&g->lock);
    found = g->has_job && IsEqualGUID(&g->job_id, &id);
    ReleaseSRWLockShared(&g->lock);
    if (!found)
        return BITSDO_QM_E_ITEM_NOT_FOUND;
    return bitsdo_job1_object_create(job, out);
}

static HRESULT WINAPI group_SuspendGroup(IBackgroundCopyGroup *iface)
{
    bitsdo_job *job = job_of(iface);

    switch (bitsdo_qm_phase_of(job)) {
    case BITSDO_QM_GONE:
        return BITSDO_QM_E_INVALID_STATE;
    case BITSDO_QM_COMPLETE:
        return S_OK; /* documented: a finished group is suspended already */
    default:
        return bitsdo_qm_result(bitsdo_job_suspend(job));
    }
}

static HRESULT WINAPI group_ResumeGroup(IBackgroundCopyGroup *iface)
{
    bitsdo_job *job = job_of(iface);

    /* Nothing to resume once complete; an empty group has nothing to do. */
    if (bitsdo_qm_phase_of(job) != BITSDO_QM_ACTIVE)
        return BITSDO_QM_E_INVALID_STATE;
    return bitsdo_qm_result(bitsdo_job_resume(job));
}

static HRESULT WINAPI group_CancelGroup(IBackgroundCopyGroup *iface)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    HRESULT hr;

    if (bitsdo_qm_phase_of(job) == BITSDO_QM_GONE ||
        InterlockedCompareExchange(&g->cancelled, 1, 0)) {
        bitsdo_qm_queue_remove(job);
        return BITSDO_QM_E_INVALID_STATE;
    }
    SetEvent(g->wake); /* a retried OnStatus stops */
    /* Documented: files completely downloaded stay available. That is the
     * engine's Complete (finished files renamed into place, the rest
     * deleted); it answers BG_E_INVALID_STATE for a group already complete. */
    hr = bitsdo_job_complete(job);
    if (FAILED(hr) && hr != BITSDO_BG_E_INVALID_STATE)
        bitsdo_job_cancel(job); /* a rename failed: drop everything instead */
    bitsdo_qm_queue_remove(job);
    return S_OK;
}

static HRESULT WINAPI group_get_Size(IBackgroundCopyGroup *iface, DWORD *out)
{
    bitsdo_progress p;

    if (!out)
        return E_POINTER;
    bitsdo_counters_read(&job_of(iface)->rec.counters, &p);
    /* Documented: 0 when the size cannot be determined (yet). A DWORD:
     * past 4 GiB it stays at 0xFFFFFFFF. */
    *out = p.bytes_total == BITSDO_SIZE_UNKNOWN ? 0 : saturate32(p.bytes_total);
    return S_OK;
}

static HRESULT WINAPI group_get_GroupID(IBackgroundCopyGroup *iface, GUID *out)
{
    if (!out)
        return E_POINTER;
    memcpy(out, job_of(iface)->rec.id, sizeof(*out));
    return S_OK;
}

static HRESULT WINAPI group_CreateJob(IBackgroundCopyGroup *iface, GUID id, IBackgroundCopyJob1 **out)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    bitsdo_state state;
    HRESULT hr = S_OK;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (bitsdo_qm_phase_of(job) != BITSDO_QM_ACTIVE)
        return BITSDO_QM_E_INVALID_STATE;
    state = engine_state(job);
    AcquireSRWLockExclusive(&g->lock);
    if (g->has_job)
        hr = E_NOTIMPL; /* documented: one job per group */
    else if (state != BITSDO_STATE_SUSPENDED)
        hr = BITSDO_QM_E_INVALID_STATE; /* documented: the group is running */
    else {
        g->has_job = TRUE;
        g->job_id = id;
    }
    ReleaseSRWLockExclusive(&g->lock);
    if (FAILED(hr))
        return hr;
    bitsdo_job_facade_changed(job);
    return bitsdo_job1_object_create(job, out);
}

static HRESULT WINAPI group_EnumJobs(IBackgroundCopyGroup *iface, DWORD flags, IEnumBackgroundCopyJobs1 **out)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job_of(iface));
    GUID *ids;
    ULONG count = 0;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (flags)
        return E_NOTIMPL; /* documented: dwFlags must be 0 */
    if (!(ids = calloc(1, sizeof(*ids))))
        return E_OUTOFMEMORY;
    AcquireSRWLockShared(&g->lock);
    if (g->has_job)
        ids[count++] = g->job_id;
    ReleaseSRWLockShared(&g->lock);
    return bitsdo_enum_jobs1_create(ids, count, out);
}

static HRESULT WINAPI group_SwitchToForeground(IBackgroundCopyGroup *iface)
{
    bitsdo_job *job = job_of(iface);
    HRESULT hr;

    if (bitsdo_qm_phase_of(job) != BITSDO_QM_ACTIVE)
        return BITSDO_QM_E_INVALID_STATE;
    /* The engine job's priority: the modern view reports it, and the
     * group's status carries QM_STATUS_GROUP_FOREGROUND. */
    if (FAILED(hr = bitsdo_job_modify_begin(job)))
        return bitsdo_qm_result(hr);
    job->rec.priority = BG_JOB_PRIORITY_FOREGROUND;
    bitsdo_job_modify_end(job, TRUE);
    return S_OK;
}

static HRESULT WINAPI group_QueryNewJobInterface(IBackgroundCopyGroup *iface, REFIID riid, IUnknown **out)
{
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!riid)
        return E_INVALIDARG;
    /* The same work seen through IBackgroundCopyJob..Job5. */
    return bitsdo_job_object_create(job_of(iface), riid, (void **)out);
}

static HRESULT WINAPI group_SetNotificationPointer(IBackgroundCopyGroup *iface, REFIID riid, IUnknown *unk)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    bitsdo_callback_ref *callback = NULL, *old;
    HRESULT hr;

    if (!riid)
        return E_INVALIDARG;
    if (!IsEqualIID(riid, &IID_IBackgroundCopyCallback1))
        return E_NOINTERFACE; /* the only listener interface of a group */
    if (bitsdo_qm_phase_of(job) == BITSDO_QM_GONE)
        return BITSDO_QM_E_INVALID_STATE;
    /* Kept in the caller's apartment (callback_ref.h). */
    if (unk && FAILED(hr = bitsdo_callback_ref_create(unk, &IID_IBackgroundCopyCallback1, &callback)))
        return hr;
    AcquireSRWLockExclusive(&g->lock);
    old = g->callback;
    g->callback = callback;
    ReleaseSRWLockExclusive(&g->lock);
    SetEvent(g->wake); /* a retried OnStatus tries the new listener now */
    if (old)
        bitsdo_callback_ref_release(old);
    return S_OK;
}

static const IBackgroundCopyGroupVtbl group_vtbl = {
    group_QueryInterface,
    group_AddRef,
    group_Release,
    group_GetProp,
    group_SetProp,
    group_GetProgress,
    group_GetStatus,
    group_GetJob,
    group_SuspendGroup,
    group_ResumeGroup,
    group_CancelGroup,
    group_get_Size,
    group_get_GroupID,
    group_CreateJob,
    group_EnumJobs,
    group_SwitchToForeground,
    group_QueryNewJobInterface,
    group_SetNotificationPointer,
};

HRESULT bitsdo_group_object_create(bitsdo_job *job, IBackgroundCopyGroup **out)
{
    bitsdo_group_object *object;

    if (!(object = calloc(1, sizeof(*object))))
        return E_OUTOFMEMORY;
    object->IBackgroundCopyGroup_iface.lpVtbl = &group_vtbl;
    object->refs = 1;
    object->job = job;
    bitsdo_job_addref(job);
    bitsdo_module_addref();
    *out = &object->IBackgroundCopyGroup_iface;
    return S_OK;
}

/* --- the host's store (src/host/persist.c) ------------------------------------- */

HRESULT bitsdo_qm_group_save(bitsdo_job *job, bitsdo_facade_rec *out)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    HRESULT hr = S_OK;

    bitsdo_facade_rec_init(out, BITSDO_FACADEREC_QM_GROUP);
    AcquireSRWLockShared(&g->lock);
    out->qm.has_job = g->has_job;
    memcpy(out->qm.job_id, &g->job_id, sizeof(out->qm.job_id));
    out->qm.notify_flags = g->notify_flags;
    out->qm.protocol = g->protocol;
    out->qm.has_notify_clsid = g->has_notify_clsid;
    memcpy(out->qm.notify_clsid, &g->notify_clsid, sizeof(out->qm.notify_clsid));
    out->qm.progress_size = g->progress_size;
    out->qm.progress_percent = g->progress_percent;
    out->qm.percent_mark = (uint32_t)bitsdo__read_long(&g->percent_mark);
    if (g->hint_count) {
        /* Only as many hints as there are files (the array grows ahead). */
        uint32_t n = g->hint_count;

        AcquireSRWLockShared(&job->lock);
        if (n > job->rec.file_count)
            n = job->rec.file_count;
        ReleaseSRWLockShared(&job->lock);
        if (n && (out->qm.size_hints = malloc(n * sizeof(*out->qm.size_hints)))) {
            memcpy(out->qm.size_hints, g->size_hints, n * sizeof(*out->qm.size_hints));
            out->qm.hint_count = n;
        } else if (n) {
            hr = E_OUTOFMEMORY;
        }
    }
    ReleaseSRWLockShared(&g->lock);
    if (FAILED(hr))
        bitsdo_facade_rec_free(out);
    return hr;
}

static void qm_prepare(bitsdo_job *job, void *arg)
{
    ((bitsdo_qm_group *)arg)->job = job;
}

HRESULT bitsdo_qm_group_restore(bitsdo_job_rec *rec, bitsdo_facade_rec *facade, bitsdo_job **out)
{
    bitsdo_qm_group *g;
    bitsdo_job *job;
    HRESULT hr;

    if (facade->kind != BITSDO_FACADEREC_QM_GROUP)
        return E_INVALIDARG;
    if (FAILED(hr = group_alloc(&g)))
        return hr;
    g->has_job = facade->qm.has_job != 0;
    memcpy(&g->job_id, facade->qm.job_id, sizeof(g->job_id));
    g->notify_flags = facade->qm.notify_flags & VALID_QM_NOTIFY_FLAGS;
    g->protocol = facade->qm.protocol;
    g->has_notify_clsid = facade->qm.has_notify_clsid != 0;
    memcpy(&g->notify_clsid, facade->qm.notify_clsid, sizeof(g->notify_clsid));
    g->progress_size = facade->qm.progress_size;
    g->progress_percent = facade->qm.progress_percent;
    g->percent_mark = (LONG)facade->qm.percent_mark;
    /* The hints move from the facade record. */
    g->size_hints = (DWORD *)facade->qm.size_hints;
    g->hint_count = facade->qm.hint_count;
    facade->qm.size_hints = NULL;
    facade->qm.hint_count = 0;
    /* A complete group is ACKNOWLEDGED and still shown: adopted ended. */
    hr = bitsdo_job_adopt_ex(rec, &bitsdo_qm_events, g, qm_prepare, g, TRUE, &job);
    if (FAILED(hr)) {
        CloseHandle(g->wake);
        free(g->size_hints);
        free(g);
        return hr;
    }
    if (bitsdo_qm_phase_of(job) == BITSDO_QM_GONE || FAILED(hr = bitsdo_qm_queue_adopt(job))) {
        if (SUCCEEDED(hr))
            hr = E_INVALIDARG; /* cancelled: nothing to show */
        bitsdo_job_cancel(job);
        bitsdo_job_release(job);
        return hr;
    }
    /* Every file was in when the last host stopped, but not yet renamed
     * into place: the group completes itself now, as it would have. */
    if (engine_state(job) == BITSDO_STATE_TRANSFERRED)
        bitsdo_job_complete(job);
    *out = job;
    return S_OK;
}
