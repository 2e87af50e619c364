/* The job engine: the process-wide job list, the caller operations with the
 * documented results, and the worker thread that runs a job's transfers,
 * retries and notifications. */
#include "engine.h"

#include <sddl.h>
#include <stddef.h>
#include <stdlib.h>
#include <wctype.h>

#include "DeliveryOptimization.h"
#include "errors.h"
#include "fetch.h"
#include "idmap.h"
#include "names.h"
#include "policy.h"
#include "prof.h"
#include "progmap.h"
#include "sched.h"
#include "transport_http.h"
#include "wstr.h"

/* How long Cancel and Complete wait for a worker to let go of its files. */
#define BITSDO_STOP_WAIT_MS 10000
/* Progress notifications are coalesced to at most one per this interval
 * unless the job asks for another minimum. */
#define BITSDO_PROGRESS_NOTIFY_MS 100

enum {
    PEND_MODIFIED = 1,
    PEND_TRANSFERRED = 2,
    PEND_ERROR = 4,
};

/* Extra per-job worker bookkeeping kept beside the public struct. */
typedef struct bitsdo_job_impl {
    bitsdo_job pub;
    BOOL worker_running;
    LONG pending;               /* PEND_* not yet delivered */
    ULONGLONG transient_since;  /* tick of the first transient error, 0 if none */
    ULONGLONG next_progress;    /* tick before which progress is not notified */
    BOOL closing;               /* Complete is moving files: the worker must stop */
    volatile LONG delivering;   /* the worker is waiting for a listener's answer */
    /* Progress is new bytes kept, not bytes received (README, "What works"). Worker
     * thread only: the most bytes the job has held since the run began, and
     * whether the current attempt received bytes and whether any was new. */
    LONG kept_gen;              /* run_gen the figures below belong to */
    BOOL kept_reset;            /* set under the lock by a Resume from ERROR: start afresh */
    UINT64 kept_high;
    BOOL attempt_data, attempt_new;
    uint32_t wasted;            /* attempts in a row that received only bytes it had */
    bitsdo_idmap_node id_node;  /* in id_index while in the list (list_lock) */
} bitsdo_job_impl;

/* Attempts in a row that receive data but no byte the job did not already
 * have (a server that ignores Range and cuts every answer short) before the
 * job stops retrying and goes to ERROR. */
#define BITSDO_WASTED_ATTEMPTS 5

static SRWLOCK list_lock = SRWLOCK_INIT;
static const bitsdo_engine_hooks *hooks; /* set once by the host, before any job */
static bitsdo_list_entry list_head = {&list_head, &list_head};
/* The same jobs by id (list_lock): finding a job and refusing a duplicate
 * id cost the same with 10 jobs as with 100,000; its count is the list's. */
static bitsdo_idmap id_index = BITSDO_IDMAP_INIT;
static volatile LONG live_jobs;

static bitsdo_job_impl *impl_from_job(bitsdo_job *job)
{
    return CONTAINING_RECORD(job, bitsdo_job_impl, pub);
}

void bitsdo_engine_set_hooks(const bitsdo_engine_hooks *h)
{
    hooks = h;
}

void bitsdo__job_touch(bitsdo_job *job)
{
    job->rec.modified = bitsdo_now();
    if (hooks && hooks->changed)
        hooks->changed(job);
}

bitsdo_filetime bitsdo_now(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return ((bitsdo_filetime)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

/* The user of a token as a SID string (malloc'ed), or NULL. */
static WCHAR *token_user_sid(HANDLE token)
{
    BYTE buf[256];
    TOKEN_USER *user = (TOKEN_USER *)buf;
    DWORD len;
    WCHAR *str = NULL, *copy = NULL;

    if (GetTokenInformation(token, TokenUser, buf, sizeof(buf), &len) &&
        ConvertSidToStringSidW(user->User.Sid, &str)) {
        copy = (WCHAR *)bitsdo_wcsdup((const bitsdo_wchar *)str);
        LocalFree(str);
    }
    return copy;
}

static INIT_ONCE process_sid_once = INIT_ONCE_STATIC_INIT;
static WCHAR *process_sid; /* the process token's user: it never changes */

static BOOL CALLBACK read_process_sid(INIT_ONCE *once, void *param, void **ctx)
{
    HANDLE token;

    (void)once;
    (void)param;
    (void)ctx;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return FALSE; /* not done: the next call tries again */
    process_sid = token_user_sid(token);
    CloseHandle(token);
    return process_sid != NULL;
}

/* A thread that impersonates is its client; any other is the process's
 * user, read once (CreateJob asks twice per job, and each reading of a
 * token is three wineserver requests under Wine). */
WCHAR *bitsdo_current_user_sid(void)
{
    HANDLE token;
    WCHAR *sid;

    if (OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token)) {
        sid = token_user_sid(token);
        CloseHandle(token);
        return sid;
    }
    if (!InitOnceExecuteOnce(&process_sid_once, read_process_sid, NULL, NULL))
        return NULL;
    return (WCHAR *)bitsdo_wcsdup((const bitsdo_wchar *)process_sid);
}

BOOL bitsdo_caller_is_admin(void)
{
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD size = sizeof(sid);
    BOOL member = FALSE;

    if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, sid, &size))
        return FALSE;
    return CheckTokenMembership(NULL, sid, &member) && member;
}

BOOL bitsdo_job_owned_by(const bitsdo_job *job, const WCHAR *sid)
{
    /* owner_sid is set at creation and by TakeOwnership only, both under
     * the job's lock; a stale read compares against a whole string. */
    return !sid || !job->rec.owner_sid || !wcscmp((const WCHAR *)job->rec.owner_sid, sid);
}

HRESULT bitsdo_job_file_headers(bitsdo_job *job, uint32_t index, LPWSTR *out)
{
    HRESULT hr;

    AcquireSRWLockShared(&job->lock);
    hr = bitsdo_co_strdup(index < job->http_seen.file_headers_count ? job->http_seen.file_headers[index] : NULL,
                          out);
    ReleaseSRWLockShared(&job->lock);
    return hr;
}

HRESULT bitsdo_co_strdup(const WCHAR *s, LPWSTR *out)
{
    size_t len;

    if (!s)
        s = L"";
    len = (wcslen(s) + 1) * sizeof(WCHAR);
    if (!(*out = CoTaskMemAlloc(len)))
        return E_OUTOFMEMORY;
    memcpy(*out, s, len);
    return S_OK;
}

/* --- the list ----------------------------------------------------------- */

/* caller_owns: the job's owner is the caller (a new job). A job adopted
 * from the store brings its owner in its record, so the caller's SID (four
 * wineserver requests under Wine) is not looked up for it. */
static HRESULT job_create(const GUID *id, const WCHAR *display_name, DWORD type,
                          const bitsdo_job_events *events, void *events_ctx, BOOL caller_owns,
                          bitsdo_job **out)
{
    bitsdo_job_impl *impl;
    bitsdo_job *job;
    WCHAR *sid;
    HRESULT hr;

    if (!(impl = calloc(1, sizeof(*impl))))
        return E_OUTOFMEMORY;
    job = &impl->pub;
    bitsdo_job_rec_init(&job->rec);
    job->refs = 1;
    InitializeSRWLock(&job->lock);
    InitializeSRWLock(&job->op_lock);
    job->events = events;
    job->events_ctx = events_ctx;
    job->progress_interval_ms = BITSDO_PROGRESS_NOTIFY_MS;
    job->progress_slot = BITSDO_PROGMAP_NO_SLOT;
    job->rec.type = type;
    job->rec.created = job->rec.modified = bitsdo_now();
    if (id)
        memcpy(job->rec.id, id, sizeof(*id));
    else if (FAILED(hr = CoCreateGuid((GUID *)job->rec.id)))
        goto fail;
    if (
        FAILED(hr = bitsdo_set_wstr(&job->rec.display_name, (const bitsdo_wchar *)display_name)))
        goto fail;
    if (caller_owns && (sid = bitsdo_current_user_sid()))
        job->rec.owner_sid = (bitsdo_wchar *)sid;
    if (!(job->wake = CreateEventW(NULL, FALSE, FALSE, NULL))) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        goto fail;
    }
    /* Host mode: the job's slot is written before anyone can see the job. */
    if ((job->progress_slot = bitsdo__publish_alloc()) != BITSDO_PROGMAP_NO_SLOT) {
        AcquireSRWLockExclusive(&job->lock);
        bitsdo_job_publish(job);
        ReleaseSRWLockExclusive(&job->lock);
    }

    impl->id_node.id = job->rec.id;
    AcquireSRWLockExclusive(&list_lock);
    if (id_index.count >= BITSDO_MAX_JOBS) {
        /* The policies (manager.c) are lower; this bounds every family. */
        ReleaseSRWLockExclusive(&list_lock);
        hr = BITSDO_BG_E_TOO_MANY_JOBS_PER_USER;
        goto fail;
    }
    /* E_INVALIDARG for an id already in the list. */
    if (FAILED(hr = bitsdo_idmap_insert(&id_index, &impl->id_node))) {
        ReleaseSRWLockExclusive(&list_lock);
        goto fail;
    }
    job->entry.next = &list_head;
    job->entry.prev = list_head.prev;
    list_head.prev->next = &job->entry;
    list_head.prev = &job->entry;
    job->in_list = TRUE;
    job->refs++; /* the list's reference */
    InterlockedIncrement(&live_jobs);
    ReleaseSRWLockExclusive(&list_lock);
    *out = job;
    return S_OK;

fail:
    bitsdo__publish_free(job->progress_slot);
    if (job->wake)
        CloseHandle(job->wake);
    bitsdo_job_rec_free(&job->rec);
    free(impl);
    return hr;
}

HRESULT bitsdo_job_create(const GUID *id, const WCHAR *display_name, DWORD type,
                          const bitsdo_job_events *events, void *events_ctx,
                          bitsdo_job **out)
{
    return job_create(id, display_name, type, events, events_ctx, TRUE, out);
}

static void ensure_worker(bitsdo_job *job);

HRESULT bitsdo_job_adopt(bitsdo_job_rec *rec, const bitsdo_job_events *events, void *events_ctx,
                         bitsdo_job **out)
{
    return bitsdo_job_adopt_ex(rec, events, events_ctx, NULL, NULL, FALSE, out);
}

static void list_remove(bitsdo_job *job);

HRESULT bitsdo_job_adopt_ex(bitsdo_job_rec *rec, const bitsdo_job_events *events, void *events_ctx,
                            void (*prepare)(bitsdo_job *job, void *arg), void *arg, BOOL ended_ok,
                            bitsdo_job **out)
{
    bitsdo_state state = rec->state;
    BOOL ended = bitsdo_state_is_final(state);
    bitsdo_job *job;
    HRESULT hr;

    if (ended && !ended_ok)
        return E_INVALIDARG;
    if (FAILED(hr = job_create((const GUID *)rec->id, NULL, rec->type, events, events_ctx, FALSE, &job)))
        return hr;
    AcquireSRWLockExclusive(&job->lock);
    bitsdo_job_rec_free(&job->rec);
    memcpy(&job->rec, rec, sizeof(*rec)); /* the job takes the contents */
    bitsdo_job_rec_init(rec);
    ReleaseSRWLockExclusive(&job->lock);
    /* The facade attaches before any worker can run or deliver. */
    if (prepare)
        prepare(job, arg);
    if (ended) {
        /* Over already (a complete BITS 1.0 group): nothing runs it, and the
         * list is for jobs that may still change. */
        AcquireSRWLockExclusive(&list_lock);
        job->removed_quietly = TRUE;
        ReleaseSRWLockExclusive(&list_lock);
        list_remove(job);
    }
    AcquireSRWLockExclusive(&job->lock);
    if (!ended && bitsdo_state_is_active(state)) {
        /* It was running when its last host stopped: it goes on, from the
         * bytes its temp files really hold (fetch.c keeps only what is both
         * counted and on disk). */
        job->rec.state = BITSDO_STATE_QUEUED;
        ensure_worker(job);
    }
    bitsdo_job_publish(job); /* the slot says what the stored job says */
    ReleaseSRWLockExclusive(&job->lock);
    *out = job;
    return S_OK;
}

void bitsdo_job_facade_removed(bitsdo_job *job)
{
    if (hooks && hooks->removed)
        hooks->removed(job);
}

void bitsdo_job_facade_changed(bitsdo_job *job)
{
    InterlockedIncrement(&job->facade_gen);
    if (hooks && hooks->changed)
        hooks->changed(job);
}

void bitsdo_job_addref(bitsdo_job *job)
{
    InterlockedIncrement(&job->refs);
}

void bitsdo_job_release(bitsdo_job *job)
{
    uint32_t i;

    if (InterlockedDecrement(&job->refs))
        return;
    bitsdo__publish_free(job->progress_slot);
    if (job->events && job->events->release)
        job->events->release(job);
    if (job->notify)
        bitsdo_callback_ref_release(job->notify);
    if (job->worker)
        CloseHandle(job->worker);
    CloseHandle(job->wake);
    free(job->http_seen.headers);
    free(job->http_seen.redirect);
    free(job->http_seen.server_ip);
    for (i = 0; i < job->http_seen.file_headers_count; i++)
        free(job->http_seen.file_headers[i]);
    free(job->http_seen.file_headers);
    bitsdo_job_rec_free(&job->rec);
    free(impl_from_job(job));
    InterlockedDecrement(&live_jobs);
}

LONG bitsdo_job_live_count(void)
{
    return bitsdo__read_long(&live_jobs);
}

LONG bitsdo_job_active_count(void)
{
    bitsdo_list_entry *e;
    LONG n = 0;

    AcquireSRWLockShared(&list_lock);
    for (e = list_head.next; e != &list_head; e = e->next) {
        bitsdo_job *job = CONTAINING_RECORD(e, bitsdo_job, entry);
        bitsdo_state state;

        AcquireSRWLockShared(&job->lock);
        state = job->rec.state;
        ReleaseSRWLockShared(&job->lock);
        if (state == BITSDO_STATE_QUEUED || state == BITSDO_STATE_CONNECTING ||
            state == BITSDO_STATE_TRANSFERRING || state == BITSDO_STATE_TRANSIENT_ERROR)
            n++;
    }
    ReleaseSRWLockShared(&list_lock);
    return n;
}

static void list_remove(bitsdo_job *job)
{
    bitsdo_callback_ref *listener;
    BOOL was_in;

    AcquireSRWLockExclusive(&list_lock);
    if ((was_in = job->in_list)) {
        job->entry.prev->next = job->entry.next;
        job->entry.next->prev = job->entry.prev;
        job->in_list = FALSE;
        bitsdo_idmap_remove(&id_index, &impl_from_job(job)->id_node);
        if (!id_index.count)
            bitsdo_idmap_clear(&id_index); /* nothing kept while no job lives */
    }
    ReleaseSRWLockExclusive(&list_lock);
    if (was_in) {
        /* No event follows: let go of the listener now, not when the last
         * view goes (a client process that died holds its views for good). */
        AcquireSRWLockExclusive(&job->lock);
        listener = job->notify;
        job->notify = NULL;
        ReleaseSRWLockExclusive(&job->lock);
        if (listener)
            bitsdo_callback_ref_release(listener);
        if (hooks && hooks->removed && !job->removed_quietly)
            hooks->removed(job);
        bitsdo_http_forget_credentials((const GUID *)job->rec.id);
        bitsdo_job_release(job);
    }
}

/* Whether name ends in a temp file name of ours (fetch.c: "BITxxxx.tmp"). */
static BOOL is_temp_name(const WCHAR *name)
{
    const WCHAR *base = wcsrchr(name, L'\\');
    size_t i;

    base = base ? base + 1 : name;
    if (wcslen(base) != 11 || _wcsnicmp(base, L"BIT", 3) || _wcsicmp(base + 7, L".tmp"))
        return FALSE;
    for (i = 3; i < 7; i++)
        if (!iswxdigit(base[i]))
            return FALSE;
    return TRUE;
}

/* Runs from DllMain (DLL_PROCESS_DETACH), under the loader lock. At a
 * clean process exit (`process_exit`) every other thread is gone already,
 * killed wherever it was: a lock it held stays held for ever and the data
 * behind it may be half-changed. So this only tries locks (TryAcquire, never
 * a wait: a wait here could never end), skips what it cannot lock, reads
 * the temp names and deletes the files: no allocation, no thread, no COM.
 * Temp files are opened with FILE_SHARE_DELETE (fetch.c), so one a worker
 * still has open (a transfer cut off by the exit) is deleted too: Windows
 * removes it when the last handle closes, at the latest as the process
 * ends. On FreeLibrary (not process_exit) threads still run; a worker that
 * holds a lock for the moment is given a few short chances. Every job of
 * this process lives in this process (the private classes always; the
 * public ones until the shared host owns them), so nothing else could ever
 * finish these files. */
void bitsdo_jobs_remove_temp_files(BOOL process_exit)
{
    bitsdo_list_entry *e;
    unsigned tries, steps = 0;
    BOOL list_locked;
    uint32_t i;

    /* At process exit every other thread is gone (ended before
     * DLL_PROCESS_DETACH): a lock still held was held by a dead thread and
     * guards nothing any more, so it is not waited for, and the names are
     * read anyway. What a killed thread may have left half-changed is
     * never trusted as a path: only a name of our temp-file form is deleted. */
    for (tries = 0; !(list_locked = TryAcquireSRWLockShared(&list_lock)); tries++) {
        if (process_exit)
            break;
        if (tries >= 50)
            return;
        Sleep(1);
    }
    /* Bounded: a list torn by a killed thread must not loop for ever. */
    for (e = list_head.next; e && e != &list_head && steps < 1000000; e = e->next, steps++) {
        bitsdo_job *job = CONTAINING_RECORD(e, bitsdo_job, entry);
        BOOL locked;

        for (tries = 0; !(locked = TryAcquireSRWLockShared(&job->lock)); tries++) {
            if (process_exit || tries >= 50)
                break;
            Sleep(1);
        }
        if (!locked && !process_exit)
            continue; /* its temp files stay (see README) */
        for (i = 0; job->rec.files && i < job->rec.file_count; i++) {
            const WCHAR *temp = job->rec.files[i] ? (const WCHAR *)job->rec.files[i]->temp_name : NULL;
            if (temp && (locked || is_temp_name(temp)))
                DeleteFileW(temp);
        }
        if (locked)
            ReleaseSRWLockShared(&job->lock);
    }
    if (list_locked)
        ReleaseSRWLockShared(&list_lock);
}

HRESULT bitsdo_job_find(const GUID *id, bitsdo_job **out)
{
    bitsdo_idmap_node *node;

    AcquireSRWLockShared(&list_lock);
    if ((node = bitsdo_idmap_find(&id_index, (const uint8_t *)id))) {
        bitsdo_job_impl *impl = CONTAINING_RECORD(node, bitsdo_job_impl, id_node);
        bitsdo_job_addref(&impl->pub);
        ReleaseSRWLockShared(&list_lock);
        *out = &impl->pub;
        return S_OK;
    }
    ReleaseSRWLockShared(&list_lock);
    return BITSDO_BG_E_NOT_FOUND;
}

HRESULT bitsdo_job_list(bitsdo_job ***jobs, ULONG *count,
                        BOOL (*filter)(bitsdo_job *job, void *ctx), void *ctx)
{
    bitsdo_list_entry *e;
    ULONG n = 0, total;
    bitsdo_job **array;

    AcquireSRWLockShared(&list_lock);
    total = (ULONG)id_index.count;
    if (!(array = calloc(total ? total : 1, sizeof(*array)))) {
        ReleaseSRWLockShared(&list_lock);
        return E_OUTOFMEMORY;
    }
    for (e = list_head.next; e != &list_head; e = e->next) {
        bitsdo_job *job = CONTAINING_RECORD(e, bitsdo_job, entry);
        if (filter && !filter(job, ctx))
            continue;
        bitsdo_job_addref(job);
        array[n++] = job;
    }
    ReleaseSRWLockShared(&list_lock);
    *jobs = array;
    *count = n;
    return S_OK;
}

ULONG bitsdo_job_count(BOOL (*filter)(bitsdo_job *job, void *ctx), void *ctx)
{
    bitsdo_list_entry *e;
    ULONG n = 0;

    AcquireSRWLockShared(&list_lock);
    if (!filter)
        n = (ULONG)id_index.count;
    else
        for (e = list_head.next; e != &list_head; e = e->next)
            if (filter(CONTAINING_RECORD(e, bitsdo_job, entry), ctx))
                n++;
    ReleaseSRWLockShared(&list_lock);
    return n;
}

void bitsdo_job_list_free(bitsdo_job **jobs, ULONG count)
{
    ULONG i;

    for (i = 0; i < count; i++)
        bitsdo_job_release(jobs[i]);
    free(jobs);
}

/* --- the worker ----------------------------------------------------------- */

static DWORD WINAPI worker_main(void *arg);

/* With the lock held: makes sure a worker runs to act on the job's state
 * and pending notifications, or wakes the one that runs. */
static void ensure_worker(bitsdo_job *job)
{
    bitsdo_job_impl *impl = impl_from_job(job);
    HANDLE thread;

    if (impl->worker_running) {
        SetEvent(job->wake);
        return;
    }
    bitsdo_job_addref(job);
    thread = CreateThread(NULL, 0, worker_main, job, 0, &job->worker_tid);
    if (!thread) {
        /* Nothing runs the job: it stays where it is until the next call. */
        InterlockedDecrement(&job->refs);
        return;
    }
    if (job->worker)
        CloseHandle(job->worker);
    job->worker = thread;
    impl->worker_running = TRUE;
}

static BOOL deliver(bitsdo_job *job, bitsdo_event event, uint32_t file)
{
    bitsdo_job_impl *impl = impl_from_job(job);
    BOOL done;

    if (!job->events || !job->events->deliver)
        return TRUE;
    /* Listeners are called on other threads now (callback_ref.h): while the
     * worker waits for one, a caller that came from inside the callback
     * must not wait for the worker (wait_worker_idle). */
    InterlockedIncrement(&impl->delivering);
    done = job->events->deliver(job, event, file);
    InterlockedDecrement(&impl->delivering);
    return done;
}

static void set_state(bitsdo_job *job, bitsdo_op op)
{
    bitsdo_state_ctx ctx;
    bitsdo_progress p;

    bitsdo_counters_read(&job->rec.counters, &p);
    ctx.files_total = p.files_total;
    ctx.files_transferred = p.files_transferred;
    bitsdo_state_apply(&job->rec.state, op, &ctx);
    bitsdo__job_touch(job);
    bitsdo_job_publish(job);
}

static void mark_pending(bitsdo_job *job, LONG what)
{
    impl_from_job(job)->pending |= what;
}

/* With the lock held: a caller changed the job; its listener hears of it
 * from the worker, not from inside the caller's call. */
static void note_modified(bitsdo_job *job)
{
    if (!job->notify)
        return;
    mark_pending(job, PEND_MODIFIED);
    ensure_worker(job);
}

static DWORD retry_wait_ms(bitsdo_job *job)
{
    return job->rec.min_retry_delay * 1000u;
}

/* Called from the fetch path (no lock held) whenever bytes moved. */
void bitsdo__job_progress(bitsdo_job *job)
{
    bitsdo_job_impl *impl = impl_from_job(job);
    ULONGLONG now = GetTickCount64();
    UINT64 kept = bitsdo__load64(&job->rec.counters.bytes_transferred);
    DWORD interval;

    bitsdo__job_publish_progress(job);
    job->last_progress = now;
    impl->attempt_data = TRUE;
    if (kept > impl->kept_high) {
        /* A byte the job never had: progress, which restarts the no-progress clock. */
        impl->kept_high = kept;
        impl->attempt_new = TRUE;
        impl->transient_since = 0;
    }
    if (job->rec.state == BITSDO_STATE_CONNECTING) {
        /* The first bytes of a file arrived: CONNECTING -> TRANSFERRING. */
        AcquireSRWLockExclusive(&job->lock);
        if (job->rec.state == BITSDO_STATE_CONNECTING)
            set_state(job, BITSDO_OP_DATA);
        ReleaseSRWLockExclusive(&job->lock);
        deliver(job, BITSDO_EVENT_STATE, 0);
    }
    interval = job->rec.min_notify_interval_ms ? job->rec.min_notify_interval_ms
                                               : job->progress_interval_ms;
    if (interval) {
        if (now < impl->next_progress)
            return;
        impl->next_progress = now + interval;
    }
    deliver(job, BITSDO_EVENT_PROGRESS, 0);
}

/* One step of the worker. Returns FALSE when the worker should exit. */
static BOOL worker_step(bitsdo_job *job)
{
    bitsdo_job_impl *impl = impl_from_job(job);
    bitsdo_state state;
    LONG gen, pending;
    uint32_t i, index = UINT32_MAX;
    DWORD context = 0, wait_ms;
    BOOL transient = FALSE;
    HRESULT hr;

    AcquireSRWLockExclusive(&job->lock);
    ResetEvent(job->wake); /* this step sees whatever an earlier wake-up was for */
    state = job->rec.state;
    gen = job->run_gen;
    pending = impl->pending;

    if (impl->closing) {
        /* Complete is taking the files: nothing more to do or to tell. */
        impl->worker_running = FALSE;
        ReleaseSRWLockExclusive(&job->lock);
        return FALSE;
    }

    /* Notifications first: they are owed for a state already reached. */
    if (pending) {
        impl->pending = 0;
        ReleaseSRWLockExclusive(&job->lock);
        if (pending & PEND_MODIFIED)
            deliver(job, BITSDO_EVENT_MODIFIED, 0); /* modifications are not retried */
        pending &= ~PEND_MODIFIED;
        if ((pending & PEND_TRANSFERRED) && deliver(job, BITSDO_EVENT_TRANSFERRED, 0))
            pending &= ~PEND_TRANSFERRED;
        if ((pending & PEND_ERROR) && deliver(job, BITSDO_EVENT_ERROR, 0))
            pending &= ~PEND_ERROR;
        AcquireSRWLockExclusive(&job->lock);
        /* Only what still applies to the current state stays owed. */
        if (job->rec.state != BITSDO_STATE_TRANSFERRED)
            pending &= ~PEND_TRANSFERRED;
        if (job->rec.state != BITSDO_STATE_ERROR)
            pending &= ~PEND_ERROR;
        if (pending) {
            /* A callback failed: try again after the retry delay, or at
             * once when something wakes us (a new notify interface). */
            impl->pending |= pending;
            wait_ms = retry_wait_ms(job);
            ReleaseSRWLockExclusive(&job->lock);
            WaitForSingleObject(job->wake, wait_ms);
            return TRUE;
        }
        ReleaseSRWLockExclusive(&job->lock);
        return TRUE;
    }

    if (state == BITSDO_STATE_TRANSIENT_ERROR) {
        ULONGLONG elapsed = GetTickCount64() - impl->transient_since;
        ULONGLONG limit = (ULONGLONG)job->rec.no_progress_timeout * 1000u;
        if (elapsed >= limit) {
            set_state(job, BITSDO_OP_FAIL);
            mark_pending(job, PEND_ERROR);
            ReleaseSRWLockExclusive(&job->lock);
            deliver(job, BITSDO_EVENT_STATE, 0);
            return TRUE;
        }
        wait_ms = retry_wait_ms(job);
        if (wait_ms > limit - elapsed)
            wait_ms = (DWORD)(limit - elapsed);
        ReleaseSRWLockExclusive(&job->lock);
        if (WaitForSingleObject(job->wake, wait_ms) == WAIT_OBJECT_0)
            return TRUE; /* re-evaluate: resumed, suspended, cancelled... */
        AcquireSRWLockExclusive(&job->lock);
        if (job->run_gen == gen && job->rec.state == BITSDO_STATE_TRANSIENT_ERROR) {
            if (GetTickCount64() - impl->transient_since >= limit) {
                set_state(job, BITSDO_OP_FAIL);
                mark_pending(job, PEND_ERROR);
            } else {
                set_state(job, BITSDO_OP_RETRY);
            }
        }
        ReleaseSRWLockExclusive(&job->lock);
        deliver(job, BITSDO_EVENT_STATE, 0);
        return TRUE;
    }

    if (!bitsdo_state_is_active(state)) {
        impl->worker_running = FALSE;
        ReleaseSRWLockExclusive(&job->lock);
        return FALSE;
    }

    for (i = 0; i < job->rec.file_count; i++) {
        if (!bitsdo__load32(&job->rec.files[i]->counters.completed)) {
            index = i;
            break;
        }
    }
    if (index == UINT32_MAX) {
        set_state(job, BITSDO_OP_ALL_DONE);
        job->rec.transfer_completed = job->rec.modified;
        impl->transient_since = 0;
        mark_pending(job, PEND_TRANSFERRED);
        ReleaseSRWLockExclusive(&job->lock);
        deliver(job, BITSDO_EVENT_STATE, 0);
        return TRUE;
    }
    if (impl->kept_gen != gen || impl->kept_reset) {
        /* A new run (Resume after Suspend or ERROR): what the job has now is
         * where progress starts, and no attempt is counted against it yet. */
        impl->kept_gen = gen;
        impl->kept_reset = FALSE;
        impl->kept_high = bitsdo__load64(&job->rec.counters.bytes_transferred);
        impl->wasted = 0;
    }
    impl->attempt_data = impl->attempt_new = FALSE;
    if (state == BITSDO_STATE_QUEUED) {
        set_state(job, BITSDO_OP_CONNECT);
        ReleaseSRWLockExclusive(&job->lock);
        deliver(job, BITSDO_EVENT_STATE, 0);
    } else {
        ReleaseSRWLockExclusive(&job->lock);
    }

    {
        BITSDO_PROF_START(t_file);

        hr = bitsdo_fetch_file(job, index, gen, &context, &transient);
        BITSDO_PROF_STOP(BITSDO_PROF_FILE, t_file);
    }

    AcquireSRWLockExclusive(&job->lock);
    if (job->run_gen != gen || !bitsdo_state_is_active(job->rec.state)) {
        /* Suspended, cancelled or completed meanwhile: whatever the fetch
         * said, the caller's operation decides the state. */
        ReleaseSRWLockExclusive(&job->lock);
        return TRUE;
    }
    impl->wasted = FAILED(hr) && impl->attempt_data && !impl->attempt_new ? impl->wasted + 1 : 0;
    if (SUCCEEDED(hr)) {
        bitsdo_counters_file_done(&job->rec.counters, &job->rec.files[index]->counters);
        bitsdo__job_touch(job);
        bitsdo_job_publish(job);
        ReleaseSRWLockExclusive(&job->lock);
        deliver(job, BITSDO_EVENT_FILE_DONE, index);
        return TRUE;
    }
    if (transient && impl->wasted >= BITSDO_WASTED_ATTEMPTS) {
        /* The server answers, but each answer starts over and ends before
         * the bytes the job already had: retrying cannot finish the file.
         * Unless the answers were invalid or the file kept changing, that
         * is a server that does not honour Range. */
        if (hr != BITSDO_BG_E_INVALID_SERVER_RESPONSE && hr != BITSDO_BG_E_REMOTE_FILE_CHANGED)
            hr = BITSDO_BG_E_INSUFFICIENT_RANGE_SUPPORT;
        context = BG_ERROR_CONTEXT_REMOTE_FILE;
        transient = FALSE;
    }
    job->rec.error_hr = hr;
    job->rec.error_context = context;
    job->rec.error_file = (int32_t)index;
    job->rec.error_count++;
    if (transient && job->rec.no_progress_timeout) {
        if (!impl->transient_since)
            impl->transient_since = GetTickCount64();
        set_state(job, BITSDO_OP_FAIL_TRANSIENT);
    } else {
        set_state(job, BITSDO_OP_FAIL);
        mark_pending(job, PEND_ERROR);
    }
    ReleaseSRWLockExclusive(&job->lock);
    deliver(job, BITSDO_EVENT_STATE, 0);
    return TRUE;
}

static DWORD WINAPI worker_main(void *arg)
{
    bitsdo_job *job = arg;
    HMODULE self = NULL;

    /* Keep the DLL loaded until this thread is out of its code. */
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)(void *)worker_main, &self);
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    while (worker_step(job))
        ;
    CoUninitialize();
    bitsdo_job_release(job);
    if (self)
        FreeLibraryAndExitThread(self, 0);
    return 0;
}

/* Waits (bounded, without locks) until the worker has let go of the job's
 * files. A caller from inside the job's own callback is not waited for: the
 * worker is blocked until that callback returns. The callback runs in the
 * client's apartment, not on the worker (callback_ref.h): on a caller
 * thread, on the client's STA thread, or, when an STA client calls back
 * through the job view it was given, on a COM thread of ours; COM's logical
 * thread id follows the call, which is how bitsdo_callback_serving knows. */
static void wait_worker_idle(bitsdo_job *job)
{
    HANDLE thread = NULL;

    if (bitsdo__read_long(&impl_from_job(job)->delivering) && bitsdo_callback_serving(job))
        return;
    AcquireSRWLockShared(&job->lock);
    if (impl_from_job(job)->worker_running && job->worker_tid != GetCurrentThreadId())
        DuplicateHandle(GetCurrentProcess(), job->worker, GetCurrentProcess(), &thread, 0,
                        FALSE, DUPLICATE_SAME_ACCESS);
    ReleaseSRWLockShared(&job->lock);
    if (thread) {
        WaitForSingleObject(thread, BITSDO_STOP_WAIT_MS);
        CloseHandle(thread);
    }
}

/* With the lock held: ends the current run so the worker stops. */
static void request_stop(bitsdo_job *job)
{
    InterlockedIncrement(&job->run_gen);
    if (job->fetch && job->fetch->abort)
        job->fetch->abort(job->fetch);
    SetEvent(job->wake);
    bitsdo_sched_kick();
}

/* --- caller operations ---------------------------------------------------- */

static HRESULT apply(bitsdo_job *job, bitsdo_op op)
{
    bitsdo_state_ctx ctx;
    bitsdo_progress p;
    HRESULT hr;

    bitsdo_counters_read(&job->rec.counters, &p);
    ctx.files_total = p.files_total;
    ctx.files_transferred = p.files_transferred;
    hr = bitsdo_state_apply(&job->rec.state, op, &ctx);
    if (SUCCEEDED(hr)) {
        bitsdo__job_touch(job);
        bitsdo_job_publish(job);
    }
    return hr;
}

static BOOL dir_exists(const WCHAR *local)
{
    WCHAR dir[MAX_PATH];
    size_t len = bitsdo_local_dir_len((const bitsdo_wchar *)local);
    DWORD attrs;

    if (!len || len >= MAX_PATH)
        return FALSE;
    memcpy(dir, local, len * sizeof(WCHAR));
    dir[len] = 0;
    attrs = GetFileAttributesW(dir);
    return attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY);
}

HRESULT bitsdo_job_check_names(const WCHAR *remote, const WCHAR *local)
{
    bitsdo_remote_kind kind;
    DWORD attrs;
    HRESULT hr;

    if (!remote || !local)
        return E_INVALIDARG;
    if (FAILED(hr = bitsdo_remote_classify((const bitsdo_wchar *)remote, &kind)))
        return hr;
    if (FAILED(hr = bitsdo_local_validate((const bitsdo_wchar *)local)))
        return hr;
    if (!dir_exists(local))
        return E_INVALIDARG;
    /* An existing folder is no file name: Complete could never put a
     * file there. */
    attrs = GetFileAttributesW(local);
    if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY))
        return E_INVALIDARG;
    return S_OK;
}

/* The file a local name is, spelled one way: the full path (GetFullPathName
 * only rewrites the string: '/' to '\\', doubled separators) with the long
 * form of the file (if it exists) or of its folder when the path may hold
 * an 8.3 alias (a '~'; asking the file system only then keeps a 200-file
 * job's AddFile calls cheap); compared without case. malloc'ed; NULL when
 * out of memory. */
static WCHAR *local_identity(const WCHAR *local)
{
    DWORD n = GetFullPathNameW(local, 0, NULL, NULL), m, got;
    WCHAR *full, *out, *name;

    if (!n || !(full = malloc((n + 1) * sizeof(WCHAR))))
        return NULL;
    if (!GetFullPathNameW(local, n + 1, full, NULL)) {
        free(full);
        return NULL;
    }
    if (!wcschr(full, L'~'))
        return full;
    if ((m = GetLongPathNameW(full, NULL, 0)) && (out = malloc((m + 1) * sizeof(WCHAR)))) {
        got = GetLongPathNameW(full, out, m + 1);
        if (got && got <= m) {
            free(full);
            return out;
        }
        free(out);
    }
    /* No such file yet: the long form of its folder (kept with its
     * trailing separator, so that a drive root stays a root). */
    if (!(name = wcsrchr(full, L'\\')) || !name[1])
        return full;
    name++;
    if (!(out = malloc((wcslen(full) + 1) * sizeof(WCHAR))))
        return full;
    wcscpy(out, name);
    *name = 0;
    m = GetLongPathNameW(full, NULL, 0);
    if (m) {
        WCHAR *joined = malloc((m + wcslen(out) + 1) * sizeof(WCHAR));
        got = joined ? GetLongPathNameW(full, joined, m) : 0;
        if (got && got < m) {
            wcscat(joined, out);
            free(out);
            free(full);
            return joined;
        }
        free(joined);
    }
    wcscat(full, out);
    free(out);
    return full;
}

static BOOL same_identity(const WCHAR *a, const WCHAR *b)
{
    return a && b && CompareStringOrdinal(a, -1, b, -1, TRUE) == CSTR_EQUAL;
}

HRESULT bitsdo_job_check_new_locals(bitsdo_job *job, const WCHAR *const *locals, uint32_t count)
{
    WCHAR **ids, **have = NULL;
    uint32_t i, j, n;
    HRESULT hr = S_OK;

    if (!count)
        return S_OK;
    if (!(ids = calloc(count, sizeof(*ids))))
        return E_OUTOFMEMORY;
    AcquireSRWLockShared(&job->lock);
    /* A cancelled or acknowledged job takes no file at all: the add
     * itself reports its state (BG_E_INVALID_STATE, QM_E_INVALID_STATE). */
    if (bitsdo_state_is_final(job->rec.state)) {
        ReleaseSRWLockShared(&job->lock);
        free(ids);
        return S_OK;
    }
    n = job->rec.file_count;
    if (n && (have = calloc(n, sizeof(*have))))
        for (i = 0; i < n; i++)
            have[i] = _wcsdup((const WCHAR *)job->rec.files[i]->local_name);
    ReleaseSRWLockShared(&job->lock);
    if (n && !have) {
        free(ids);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < count && SUCCEEDED(hr); i++) {
        if (!(ids[i] = local_identity(locals[i])))
            hr = E_OUTOFMEMORY;
        for (j = 0; j < i && SUCCEEDED(hr); j++)
            if (same_identity(ids[i], ids[j]))
                hr = E_INVALIDARG;
    }
    /* Existing files resolved one at a time (no lock held meanwhile). */
    for (i = 0; i < n && SUCCEEDED(hr); i++) {
        WCHAR *id = have[i] ? local_identity(have[i]) : NULL;
        for (j = 0; j < count && id && SUCCEEDED(hr); j++)
            if (same_identity(id, ids[j]))
                hr = E_INVALIDARG;
        free(id);
    }
    for (i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
    for (i = 0; i < n && have; i++)
        free(have[i]);
    free(have);
    return hr;
}

static int range_cmp(const void *a, const void *b)
{
    const bitsdo_range *x = *(const bitsdo_range *const *)a, *y = *(const bitsdo_range *const *)b;

    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x < y ? -1 : x > y; /* keep the caller's order for equal offsets */
}

HRESULT bitsdo_ranges_check(const bitsdo_range *ranges, uint32_t count)
{
    const bitsdo_range **sorted;
    HRESULT hr = S_OK;
    uint32_t i;

    if (!ranges || !count)
        return E_INVALIDARG;
    if (count > BITSDO_MAX_RANGES_PER_FILE)
        return BITSDO_BG_E_TOO_MANY_RANGES_IN_FILE;
    for (i = 0; i < count; i++) {
        if (ranges[i].offset == BG_LENGTH_TO_EOF)
            return BITSDO_BG_E_INVALID_RANGE;
        if (ranges[i].length != BG_LENGTH_TO_EOF && ranges[i].length > BG_LENGTH_TO_EOF - ranges[i].offset)
            return BITSDO_BG_E_INVALID_RANGE; /* its end does not fit in 64 bits */
    }
    if (!(sorted = malloc(count * sizeof(*sorted))))
        return E_OUTOFMEMORY;
    for (i = 0; i < count; i++)
        sorted[i] = &ranges[i];
    qsort(sorted, count, sizeof(*sorted), range_cmp);
    /* Sorted by offset, two ranges overlap when one starts before the
     * previous one ends, or at its very offset (a duplicate). */
    for (i = 1; i < count && hr == S_OK; i++) {
        const bitsdo_range *prev = sorted[i - 1];
        if (sorted[i]->offset == prev->offset || prev->length == BG_LENGTH_TO_EOF ||
            sorted[i]->offset < prev->offset + prev->length)
            hr = BITSDO_BG_E_OVERLAPPING_RANGES;
    }
    free(sorted);
    if (hr != S_OK)
        return hr;
    for (i = 0; i < count; i++)
        if (!ranges[i].length)
            return BITSDO_BG_E_INVALID_RANGE;
    return S_OK;
}

HRESULT bitsdo_job_add_file(bitsdo_job *job, const WCHAR *remote, const WCHAR *local,
                            const bitsdo_range *ranges, uint32_t range_count)
{
    HRESULT hr;

    if (FAILED(hr = bitsdo_job_check_names(remote, local)))
        return hr;
    if (range_count && FAILED(hr = bitsdo_ranges_check(ranges, range_count)))
        return hr;
    return bitsdo_job_add_checked_file(
        job, remote, local, ranges, range_count, bitsdo_policy_bits_limit(BITSDO_LIMIT_FILES_PER_JOB));
}

HRESULT bitsdo_job_add_checked_file(bitsdo_job *job, const WCHAR *remote, const WCHAR *local,
                                    const bitsdo_range *ranges, uint32_t range_count, DWORD max_files)
{
    bitsdo_state before;
    HRESULT hr;

    AcquireSRWLockExclusive(&job->op_lock);
    AcquireSRWLockExclusive(&job->lock);
    before = job->rec.state;
    if (job->rec.file_count >= max_files) {
        hr = BITSDO_BG_E_TOO_MANY_FILES_IN_JOB; /* MaxFilesPerJob */
        goto done;
    }
    if (FAILED(hr = apply(job, BITSDO_OP_ADD_FILE)))
        goto done;
    hr = bitsdo_job_rec_add_file(&job->rec, (const bitsdo_wchar *)remote,
                                 (const bitsdo_wchar *)local, ranges, range_count);
    if (FAILED(hr)) {
        job->rec.state = before;
        goto done;
    }
    note_modified(job);
    if (bitsdo_state_is_active(job->rec.state))
        ensure_worker(job);
done:
    bitsdo_job_publish(job);
    ReleaseSRWLockExclusive(&job->lock);
    ReleaseSRWLockExclusive(&job->op_lock);
    return hr;
}

HRESULT bitsdo_job_add_ranges(bitsdo_job *job, uint32_t index, const bitsdo_range *ranges,
                              uint32_t range_count)
{
    bitsdo_range *all = NULL;
    bitsdo_file_rec *file;
    uint32_t old, i;
    uint64_t total = 0;
    HRESULT hr;

    AcquireSRWLockExclusive(&job->op_lock);
    AcquireSRWLockExclusive(&job->lock);
    if (index >= job->rec.file_count) {
        hr = E_INVALIDARG;
        goto done;
    }
    file = job->rec.files[index];
    old = file->range_count;
    if (bitsdo_state_is_active(job->rec.state) || job->fetch) {
        hr = BITSDO_BG_E_INVALID_STATE;
        goto done;
    }
    if (!file->ranges) {
        hr = S_FALSE; /* the whole file is asked for already */
        goto done;
    }
    if (range_count) {
        if (old > BITSDO_MAX_RANGES_PER_FILE - range_count) {
            hr = BITSDO_BG_E_TOO_MANY_RANGES_IN_FILE;
            goto done;
        }
        if (!(all = malloc((size_t)(old + range_count) * sizeof(*all)))) {
            hr = E_OUTOFMEMORY;
            goto done;
        }
        memcpy(all, file->ranges, old * sizeof(*all));
        memcpy(all + old, ranges, range_count * sizeof(*all));
        if (FAILED(hr = bitsdo_ranges_check(all, old + range_count))) {
            free(all);
            goto done;
        }
    }
    if (FAILED(hr = apply(job, BITSDO_OP_ADD_FILE))) {
        free(all);
        goto done;
    }
    free(file->ranges);
    file->ranges = all;
    file->range_count = all ? old + range_count : 0;
    if (!all) {
        /* From ranges to the whole file: it starts over. */
        bitsdo_counters_set_bytes(&job->rec.counters, &file->counters, 0);
        bitsdo_counters_set_size(&job->rec.counters, &file->counters, BITSDO_SIZE_UNKNOWN);
    } else {
        /* The bytes of the old ranges stay counted; the new total is known
         * unless a range runs to the end (then the next fetch resolves it). */
        for (i = 0; i < file->range_count && total != BITSDO_SIZE_UNKNOWN; i++)
            total = all[i].length == BG_LENGTH_TO_EOF ? BITSDO_SIZE_UNKNOWN : total + all[i].length;
        bitsdo_counters_set_size(&job->rec.counters, &file->counters, total);
    }
    note_modified(job);
    if (bitsdo_state_is_active(job->rec.state))
        ensure_worker(job);
done:
    bitsdo_job_publish(job);
    ReleaseSRWLockExclusive(&job->lock);
    ReleaseSRWLockExclusive(&job->op_lock);
    return hr;
}

HRESULT bitsdo_job_resume(bitsdo_job *job)
{
    HRESULT hr;

    AcquireSRWLockExclusive(&job->op_lock);
    AcquireSRWLockExclusive(&job->lock);
    if (job->rec.state == BITSDO_STATE_ERROR)
        impl_from_job(job)->kept_reset = TRUE;
    if (SUCCEEDED(hr = apply(job, BITSDO_OP_RESUME))) {
        impl_from_job(job)->transient_since = 0;
        note_modified(job);
        if (bitsdo_state_is_active(job->rec.state))
            ensure_worker(job);
    }
    ReleaseSRWLockExclusive(&job->lock);
    ReleaseSRWLockExclusive(&job->op_lock);
    return hr;
}

HRESULT bitsdo_job_suspend(bitsdo_job *job)
{
    HRESULT hr;

    AcquireSRWLockExclusive(&job->op_lock);
    AcquireSRWLockExclusive(&job->lock);
    if (SUCCEEDED(hr = apply(job, BITSDO_OP_SUSPEND))) {
        request_stop(job);
        note_modified(job);
    }
    ReleaseSRWLockExclusive(&job->lock);
    ReleaseSRWLockExclusive(&job->op_lock);
    return hr;
}

static BOOL delete_temp(const bitsdo_wchar *temp)
{
    if (!temp)
        return TRUE;
    if (DeleteFileW((const WCHAR *)temp))
        return TRUE;
    return GetLastError() == ERROR_FILE_NOT_FOUND || GetLastError() == ERROR_PATH_NOT_FOUND;
}

HRESULT bitsdo_job_cancel(bitsdo_job *job)
{
    HRESULT hr;
    uint32_t i;
    BOOL all_deleted = TRUE;

    AcquireSRWLockExclusive(&job->op_lock);
    AcquireSRWLockExclusive(&job->lock);
    if (FAILED(hr = apply(job, BITSDO_OP_CANCEL))) {
        ReleaseSRWLockExclusive(&job->lock);
        ReleaseSRWLockExclusive(&job->op_lock);
        return hr;
    }
    request_stop(job);
    ReleaseSRWLockExclusive(&job->lock);

    wait_worker_idle(job);
    /* The state is final: nothing changes the file list any more. */
    for (i = 0; i < job->rec.file_count; i++)
        if (!delete_temp(job->rec.files[i]->temp_name))
            all_deleted = FALSE;
    list_remove(job);
    ReleaseSRWLockExclusive(&job->op_lock);
    return all_deleted ? S_OK : BITSDO_BG_S_UNABLE_TO_DELETE_FILES;
}

/* Sets a file's attributes through a handle (times left as they are). */
static BOOL set_attributes(HANDLE h, DWORD attributes)
{
    FILE_BASIC_INFO basic;

    memset(&basic, 0, sizeof(basic));
    basic.FileAttributes = attributes;
    return SetFileInformationByHandle(h, FileBasicInfo, &basic, sizeof(basic));
}

/* Renames an open file onto `to` (a full path), replacing what is there. */
static HRESULT rename_open_file(HANDLE h, const WCHAR *to)
{
    size_t len = wcslen(to);
    size_t size = offsetof(FILE_RENAME_INFO, FileName) + (len + 1) * sizeof(WCHAR);
    FILE_RENAME_INFO *info;
    HRESULT hr = S_OK;

    if (len > 32767)
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    if (!(info = calloc(1, size)))
        return E_OUTOFMEMORY;
    info->ReplaceIfExists = TRUE;
    info->FileNameLength = (DWORD)(len * sizeof(WCHAR));
    memcpy(info->FileName, to, (len + 1) * sizeof(WCHAR));
    if (!SetFileInformationByHandle(h, FileRenameInfo, info, (DWORD)size))
        hr = HRESULT_FROM_WIN32(GetLastError());
    free(info);
    return hr;
}

/* Moves a finished temp file to its final name: only a file whose every byte
 * was counted, and whose size on disk agrees, ever gets there. The temp file
 * is opened once and its size read, its hidden attribute cleared and its
 * name changed through that handle (under Wine, opening by name again for
 * each of those steps was 7 wineserver requests per file; this is 4). Both
 * names are in one folder, so the rename never crosses volumes. */
static HRESULT commit_file(bitsdo_file_rec *file, BOOL in_place)
{
    FILE_STANDARD_INFO std;
    uint64_t total, done, size;
    int completed;
    const WCHAR *temp = (const WCHAR *)file->temp_name;
    HANDLE h;
    HRESULT hr;

    total = bitsdo__load64(&file->counters.bytes_total);
    done = bitsdo__load64(&file->counters.bytes_transferred);
    completed = bitsdo__load32(&file->counters.completed);
    if (!completed || total != done)
        return S_FALSE;
    if (file->committed)
        return S_OK; /* moved by an earlier Complete that failed on a later file */
    if (!temp) {
        /* A zero-length file never needed a temp file: create it empty. */
        h = CreateFileW((const WCHAR *)file->local_name,
                        GENERIC_WRITE,
                        0,
                        NULL,
                        CREATE_ALWAYS,
                        FILE_ATTRIBUTE_NORMAL,
                        NULL);
        if (h == INVALID_HANDLE_VALUE)
            return HRESULT_FROM_WIN32(GetLastError());
        CloseHandle(h);
        return S_OK;
    }
    h = CreateFileW(temp,
                    DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL,
                    OPEN_EXISTING,
                    0,
                    NULL);
    if (h == INVALID_HANDLE_VALUE)
        return HRESULT_FROM_WIN32(GetLastError());
    if (!GetFileInformationByHandleEx(h, FileStandardInfo, &std, sizeof(std))) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        CloseHandle(h);
        return hr;
    }
    size = (uint64_t)std.EndOfFile.QuadPart;
    /* Whole files and packed ranges: exactly the counted bytes. Ranges in
     * place: the file holds them at their offsets, and whatever the local
     * file had around them (see fetch.c). */
    if (file->ranges && in_place ? size < total : size != total) {
        CloseHandle(h);
        return S_FALSE;
    }
    set_attributes(h, FILE_ATTRIBUTE_NORMAL);
    if (FAILED(hr = rename_open_file(h, (const WCHAR *)file->local_name)))
        set_attributes(h, FILE_ATTRIBUTE_HIDDEN);
    CloseHandle(h);
    return hr;
}

/* Complete found that file `index`, counted as transferred, has no temp
 * file any more (someone deleted it after its transfer ended): the job goes
 * to ERROR with the file's error, and the file counts from 0 again, so that
 * Resume transfers it anew. Files already moved into place stay there. */
static void lose_file(bitsdo_job *job, uint32_t index, HRESULT hr)
{
    bitsdo_file_rec *file = job->rec.files[index];

    AcquireSRWLockExclusive(&job->lock);
    impl_from_job(job)->closing = FALSE;
    free(file->temp_name);
    file->temp_name = NULL;
    file->remote_mtime = 0;
    bitsdo_counters_set_bytes(&job->rec.counters, &file->counters, 0);
    bitsdo__store64(&file->cache_bytes, 0);
    job->rec.error_hr = hr;
    job->rec.error_context = BG_ERROR_CONTEXT_LOCAL_FILE;
    job->rec.error_file = (int32_t)index;
    job->rec.error_count++;
    set_state(job, BITSDO_OP_LOSE_FILE);
    mark_pending(job, PEND_ERROR);
    ensure_worker(job); /* it tells the listener, and stops: ERROR is not active */
    ReleaseSRWLockExclusive(&job->lock);
    bitsdo__job_publish_progress(job);
}

HRESULT bitsdo_job_complete(bitsdo_job *job)
{
    HRESULT hr, file_hr;
    uint32_t i;
    BOOL partial = FALSE;

    AcquireSRWLockExclusive(&job->op_lock);
    AcquireSRWLockExclusive(&job->lock);
    if (bitsdo_state_is_final(job->rec.state)) {
        ReleaseSRWLockExclusive(&job->lock);
        ReleaseSRWLockExclusive(&job->op_lock);
        return BITSDO_BG_E_INVALID_STATE;
    }
    impl_from_job(job)->closing = TRUE;
    request_stop(job);
    ReleaseSRWLockExclusive(&job->lock);
    wait_worker_idle(job);

    /* Rename first; only a job whose finished files are all in place is
     * acknowledged. A rename failure leaves the job as it was, with the
     * files before it in place (complete and checked), and returns the
     * failure: Complete can be called again. */
    for (i = 0; i < job->rec.file_count; i++) {
        bitsdo_file_rec *file = job->rec.files[i];
        file_hr = commit_file(file, job->ranges_in_place);
        if (file_hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) ||
            file_hr == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND)) {
            lose_file(job, i, file_hr);
            ReleaseSRWLockExclusive(&job->op_lock);
            return file_hr;
        }
        if (FAILED(file_hr)) {
            /* The job stays as it was: let its worker carry on if it ran. */
            AcquireSRWLockExclusive(&job->lock);
            impl_from_job(job)->closing = FALSE;
            if (bitsdo_state_is_active(job->rec.state))
                ensure_worker(job);
            ReleaseSRWLockExclusive(&job->lock);
            ReleaseSRWLockExclusive(&job->op_lock);
            return file_hr;
        }
        if (file_hr == S_FALSE)
            partial = TRUE;
        if (file_hr == S_OK)
            file->committed = 1; /* a Complete called again after a later failure skips it */
    }
    for (i = 0; i < job->rec.file_count; i++) {
        bitsdo_file_rec *file = job->rec.files[i];
        if (!bitsdo__load32(&file->counters.completed))
            delete_temp(file->temp_name);
    }
    AcquireSRWLockExclusive(&job->lock);
    hr = apply(job, BITSDO_OP_COMPLETE);
    ReleaseSRWLockExclusive(&job->lock);
    list_remove(job);
    ReleaseSRWLockExclusive(&job->op_lock);
    if (SUCCEEDED(hr) && partial)
        hr = BITSDO_BG_S_PARTIAL_COMPLETE;
    return hr;
}

HRESULT bitsdo_job_modify_begin(bitsdo_job *job)
{
    AcquireSRWLockExclusive(&job->lock);
    if (bitsdo_state_is_final(job->rec.state)) {
        ReleaseSRWLockExclusive(&job->lock);
        return BITSDO_BG_E_INVALID_STATE;
    }
    return S_OK;
}

void bitsdo_job_modify_end(bitsdo_job *job, BOOL changed)
{
    if (changed) {
        bitsdo__job_touch(job);
        note_modified(job);
    }
    ReleaseSRWLockExclusive(&job->lock);
}

HRESULT bitsdo_job_set_notify(bitsdo_job *job, IUnknown *notify, REFIID iid)
{
    bitsdo_callback_ref *ref = NULL, *old;
    HRESULT hr;

    /* Registered here, on the client's thread, in the client's apartment. */
    if (notify && FAILED(hr = bitsdo_callback_ref_create(notify, iid, &ref)))
        return hr;
    AcquireSRWLockExclusive(&job->lock);
    old = job->notify;
    job->notify = ref;
    SetEvent(job->wake);
    ReleaseSRWLockExclusive(&job->lock);
    if (old)
        bitsdo_callback_ref_release(old);
    return S_OK;
}

bitsdo_callback_ref *bitsdo_job_get_notify(bitsdo_job *job)
{
    bitsdo_callback_ref *ref;

    AcquireSRWLockShared(&job->lock);
    if ((ref = job->notify))
        bitsdo_callback_ref_addref(ref);
    ReleaseSRWLockShared(&job->lock);
    return ref;
}

HRESULT bitsdo_job_get_notify_interface(bitsdo_job *job, REFIID iid, void **out)
{
    bitsdo_callback_ref *ref = bitsdo_job_get_notify(job);
    HRESULT hr;

    *out = NULL;
    if (!ref)
        return S_OK;
    hr = bitsdo_callback_ref_get(ref, iid, out);
    bitsdo_callback_ref_release(ref);
    return hr;
}

void bitsdo_job_wake(bitsdo_job *job)
{
    SetEvent(job->wake);
}
