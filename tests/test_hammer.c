/* The thread hammer (issue 14, part 4): eight threads call every read and
 * control method on shared jobs while real transfers run from the loopback
 * servers (the fault server trickling bytes, so that transfers are in flight,
 * and nginx for files that finish), for each API family in turn:
 *   - BITS: GetProgress, GetState, Suspend, Resume, AddFile, SetPriority,
 *     EnumJobs, GetJob, GetError, GetDisplayName, SetDescription, Cancel,
 *     Complete, SetNotifyInterface and SetNotifyFlags (one listener that
 *     reads the job it is called for, set and taken away while the engine
 *     calls it), and Release of the last reference (each thread holds its
 *     own references; a job's last one goes wherever it happens to go);
 *   - Delivery Optimization: IDODownload Start, Pause, Abort, Finalize,
 *     GetStatus, GetProperty, SetProperty, IDOManager EnumDownloads;
 *   - BITS 1.0: IBackgroundCopyGroup ResumeGroup, SuspendGroup, CancelGroup,
 *     GetProgress, GetStatus, EnumJobs, GetJob, IBackgroundCopyQMgr
 *     GetGroup, IBackgroundCopyJob1 GetProgress, GetStatus, AddFiles.
 * A job, download or group that is cancelled, completed, aborted or
 * finalized is replaced by a new one by the thread that ended it.
 *
 * Checks: no crash; no deadlock (a watchdog thread fails the test, naming
 * the thread and the method it is stuck in, when a call takes longer than
 * BITSDO_HAMMER_STUCK_MS, default 60 s, or a run does not end); every
 * HRESULT is one of the documented results of its method (others are
 * printed); progress never torn (BytesTransferred <= BytesTotal when the
 * total is known, FilesTransferred <= FilesTotal) and never going back,
 * across threads: a call that starts after another returned sees at least
 * what that one saw; a Complete (Finalize) that says every file was in
 * leaves byte-exact files; no temp file is left once every job is gone.
 *
 * Length: BITSDO_HAMMER_SECONDS per family (default 10); BITSDO_HAMMER_FAMILIES
 * (a comma list of bits, do, qmgr; default all) picks the families. The counts
 * per method and result are printed at the end of each family.
 *
 * SPDX-License-Identifier: MIT
 */
#include "http_util.h"

#include <stdlib.h>
#include <string.h>

#define THREADS           8
#define SLOTS             6
#define MAX_TRACKED_FILES 16
#define SLOW_BPS          262144u        /* the fault server's trickle: 256 KB/s */
#define SLOW_SIZE         (768u * 1024u) /* about 3 s at that rate */
#define FAST_SIZE         (64u * 1024u)

/* --- methods, their documented results, and the counts ------------------- */

enum method {
    /* BITS */
    M_GETPROGRESS,
    M_GETSTATE,
    M_SUSPEND,
    M_RESUME,
    M_ADDFILE,
    M_SETPRIORITY,
    M_ENUMJOBS,
    M_GETJOB,
    M_GETERROR,
    M_GETDISPLAYNAME,
    M_SETDESCRIPTION,
    M_CANCEL,
    M_COMPLETE,
    M_SETNOTIFYINTERFACE,
    M_SETNOTIFYFLAGS,
    M_RELEASE,
    /* Delivery Optimization */
    M_DO_START,
    M_DO_PAUSE,
    M_DO_ABORT,
    M_DO_FINALIZE,
    M_DO_GETSTATUS,
    M_DO_GETPROPERTY,
    M_DO_SETPROPERTY,
    M_DO_ENUMDOWNLOADS,
    M_DO_RELEASE,
    /* BITS 1.0 */
    M_QM_RESUMEGROUP,
    M_QM_SUSPENDGROUP,
    M_QM_CANCELGROUP,
    M_QM_GROUP_GETPROGRESS,
    M_QM_GROUP_GETSTATUS,
    M_QM_GROUP_ENUMJOBS,
    M_QM_GROUP_GETJOB,
    M_QM_GETGROUP,
    M_QM_JOB_GETPROGRESS,
    M_QM_JOB_GETSTATUS,
    M_QM_JOB_ADDFILES,
    M_QM_RELEASE,
    M_COUNT
};

#define MAX_OK 6

typedef struct method_info {
    const char *name;
    HRESULT ok[MAX_OK]; /* the documented results; S_OK first, 0-padded */
    int n_ok;
} method_info;

#ifndef E_NOT_SET /* winerror.h of newer SDKs: a property never set */
#define E_NOT_SET HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
#endif
#define DO_E_INVALID_STATE_  ((HRESULT)0x80D02013)
#define QM_E_INVALID_STATE_  ((HRESULT)QM_E_INVALID_STATE)
#define QM_E_ITEM_NOT_FOUND_ ((HRESULT)QM_E_ITEM_NOT_FOUND)

static const method_info methods[M_COUNT] = {
    [M_GETPROGRESS] = {"IBackgroundCopyJob::GetProgress", {S_OK}, 1},
    [M_GETSTATE] = {"IBackgroundCopyJob::GetState", {S_OK}, 1},
    [M_SUSPEND] = {"IBackgroundCopyJob::Suspend", {S_OK, BG_E_INVALID_STATE}, 2},
    [M_RESUME] = {"IBackgroundCopyJob::Resume", {S_OK, BG_E_INVALID_STATE, BG_E_EMPTY}, 3},
    [M_ADDFILE] = {"IBackgroundCopyJob::AddFile", {S_OK, BG_E_INVALID_STATE, BG_E_TOO_MANY_FILES_IN_JOB}, 3},
    [M_SETPRIORITY] = {"IBackgroundCopyJob::SetPriority", {S_OK, BG_E_INVALID_STATE}, 2},
    [M_ENUMJOBS] = {"IBackgroundCopyManager::EnumJobs", {S_OK}, 1},
    [M_GETJOB] = {"IBackgroundCopyManager::GetJob", {S_OK, BG_E_NOT_FOUND}, 2},
    [M_GETERROR] = {"IBackgroundCopyJob::GetError", {S_OK, BG_E_ERROR_INFORMATION_UNAVAILABLE}, 2},
    [M_GETDISPLAYNAME] = {"IBackgroundCopyJob::GetDisplayName", {S_OK}, 1},
    [M_SETDESCRIPTION] = {"IBackgroundCopyJob::SetDescription", {S_OK, BG_E_INVALID_STATE}, 2},
    [M_CANCEL] = {"IBackgroundCopyJob::Cancel", {S_OK, BG_E_INVALID_STATE, BG_S_UNABLE_TO_DELETE_FILES}, 3},
    [M_COMPLETE] = {"IBackgroundCopyJob::Complete", {S_OK, BG_E_INVALID_STATE, BG_S_PARTIAL_COMPLETE}, 3},
    [M_SETNOTIFYINTERFACE] = {"IBackgroundCopyJob::SetNotifyInterface", {S_OK, BG_E_INVALID_STATE}, 2},
    [M_SETNOTIFYFLAGS] = {"IBackgroundCopyJob::SetNotifyFlags", {S_OK, BG_E_INVALID_STATE}, 2},
    [M_RELEASE] = {"IBackgroundCopyJob::Release", {S_OK}, 1},
    [M_DO_START] = {"IDODownload::Start", {S_OK, DO_E_INVALID_STATE_}, 2},
    [M_DO_PAUSE] = {"IDODownload::Pause", {S_OK, DO_E_INVALID_STATE_}, 2},
    [M_DO_ABORT] = {"IDODownload::Abort", {S_OK, DO_E_INVALID_STATE_, BG_S_UNABLE_TO_DELETE_FILES}, 3},
    [M_DO_FINALIZE] = {"IDODownload::Finalize", {S_OK, DO_E_INVALID_STATE_}, 2},
    [M_DO_GETSTATUS] = {"IDODownload::GetStatus", {S_OK}, 1},
    [M_DO_GETPROPERTY] = {"IDODownload::GetProperty", {S_OK, E_NOT_SET}, 2},
    [M_DO_SETPROPERTY] = {"IDODownload::SetProperty", {S_OK, DO_E_INVALID_STATE_}, 2},
    [M_DO_ENUMDOWNLOADS] = {"IDOManager::EnumDownloads", {S_OK}, 1},
    [M_DO_RELEASE] = {"IDODownload::Release", {S_OK}, 1},
    [M_QM_RESUMEGROUP] = {"IBackgroundCopyGroup::ResumeGroup", {S_OK, QM_E_INVALID_STATE_}, 2},
    [M_QM_SUSPENDGROUP] = {"IBackgroundCopyGroup::SuspendGroup", {S_OK, QM_E_INVALID_STATE_}, 2},
    [M_QM_CANCELGROUP] = {"IBackgroundCopyGroup::CancelGroup", {S_OK, QM_E_INVALID_STATE_}, 2},
    [M_QM_GROUP_GETPROGRESS] = {"IBackgroundCopyGroup::GetProgress", {S_OK}, 1},
    [M_QM_GROUP_GETSTATUS] = {"IBackgroundCopyGroup::GetStatus", {S_OK, QM_E_INVALID_STATE_}, 2},
    [M_QM_GROUP_ENUMJOBS] = {"IBackgroundCopyGroup::EnumJobs", {S_OK}, 1},
    [M_QM_GROUP_GETJOB] = {"IBackgroundCopyGroup::GetJob", {S_OK, QM_E_ITEM_NOT_FOUND_}, 2},
    [M_QM_GETGROUP] = {"IBackgroundCopyQMgr::GetGroup", {S_OK, QM_E_ITEM_NOT_FOUND_}, 2},
    [M_QM_JOB_GETPROGRESS] = {"IBackgroundCopyJob1::GetProgress", {S_OK}, 1},
    [M_QM_JOB_GETSTATUS] = {"IBackgroundCopyJob1::GetStatus", {S_OK, QM_E_INVALID_STATE_}, 2},
    [M_QM_JOB_ADDFILES] = {"IBackgroundCopyJob1::AddFiles",
                           {S_OK, QM_E_INVALID_STATE_, BG_E_TOO_MANY_FILES_IN_JOB},
                           3},
    [M_QM_RELEASE] = {"IBackgroundCopyGroup::Release", {S_OK}, 1},
};

#define MAX_HR 8 /* distinct results counted per method; more go to "other" */

typedef struct hr_count {
    HRESULT hr;
    LONG count;
} hr_count;

typedef struct method_stats {
    LONG calls;
    LONG other; /* results past MAX_HR distinct ones */
    DWORD max_ms;
    hr_count hrs[MAX_HR];
} method_stats;

/* --- threads, the watchdog ------------------------------------------------ */

typedef struct hammer_thread {
    int index;
    HANDLE handle;
    uint32_t rng;
    volatile LONG method;     /* the method being called, or -1 */
    volatile LONG64 since_ms; /* when that call started */
    method_stats stats[M_COUNT];
} hammer_thread;

typedef struct family family;

/* A shared object: a job, a download or a group; the slot holds one
 * reference, threads take their own under the slot's lock. */
typedef struct slot {
    CRITICAL_SECTION lock;
    LONG gen;       /* bumped when the object is replaced */
    IUnknown *obj;  /* the slot's reference */
    IUnknown *obj2; /* BITS 1.0: the group's IBackgroundCopyJob1 */
    GUID id;        /* the job's, the download's or the group's */
    GUID id2;       /* BITS 1.0: the group's job */
    /* Progress floors: the most any returned call saw (cross-thread monotonic). */
    UINT64 floor_bytes;
    ULONG floor_files_total, floor_files_done;
    /* Files known to be in the object: local and source paths. */
    int nfiles;
    WCHAR local[MAX_TRACKED_FILES][MAX_PATH];
    WCHAR source[MAX_TRACKED_FILES][MAX_PATH];
} slot;

struct family {
    const char *name;
    void (*create)(slot *s, hammer_thread *t); /* fills obj (and ids, files) */
    void (*step)(hammer_thread *t);
    void (*end)(slot *s); /* cancels what is left */
};

static IBackgroundCopyManager *mgr;
static IDOManager *do_mgr;
static IBackgroundCopyQMgr *qmgr;
static slot slots[SLOTS];
static hammer_thread threads[THREADS];
static volatile LONG stop_flag;
static volatile LONG undocumented, torn, backwards, wrong_bytes, thread_failures;
static volatile LONG last_refs; /* Release calls of the threads that freed an object */
static volatile LONG file_counter;
static volatile LONG64 run_deadline_ms;
static DWORD stuck_ms;
static WCHAR dir[MAX_PATH];
static WCHAR slow_src[MAX_PATH], fast_src[MAX_PATH];
static WCHAR slow_url[256], fast_url[256], missing_url[256];

static uint32_t rnd(hammer_thread *t)
{
    uint32_t x = t->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return t->rng = x;
}

static void enter(hammer_thread *t, enum method m)
{
    InterlockedExchange64(&t->since_ms, (LONG64)tu_ms());
    InterlockedExchange(&t->method, m);
}

/* Counts a result and checks it against the method's documented set. */
static HRESULT leave(hammer_thread *t, enum method m, HRESULT hr)
{
    method_stats *st = &t->stats[m];
    DWORD ms = (DWORD)(tu_ms() - (ULONGLONG)t->since_ms);
    int i;

    InterlockedExchange(&t->method, -1);
    st->calls++;
    if (ms > st->max_ms)
        st->max_ms = ms;
    for (i = 0; i < MAX_HR; i++) {
        if (st->hrs[i].count && st->hrs[i].hr == hr)
            break;
        if (!st->hrs[i].count) {
            st->hrs[i].hr = hr;
            break;
        }
    }
    if (i < MAX_HR)
        st->hrs[i].count++;
    else
        st->other++;
    for (i = 0; i < methods[m].n_ok; i++)
        if (methods[m].ok[i] == hr)
            return hr;
    if (InterlockedIncrement(&undocumented) <= 20)
        printf("hammer: thread %d: %s returned 0x%08lx, not a documented result\n",
               t->index,
               methods[m].name,
               (unsigned long)hr);
    return hr;
}

#define CALL(t, m, expr) (enter((t), (m)), leave((t), (m), (expr)))

static void release(hammer_thread *t, enum method m, IUnknown *unk)
{
    enter(t, m);
    if (!IUnknown_Release(unk))
        InterlockedIncrement(&last_refs);
    leave(t, m, S_OK);
}

static void report_and_die(const char *why)
{
    LONG64 now = (LONG64)tu_ms();
    int i;

    printf("hammer: WATCHDOG: %s\n", why);
    for (i = 0; i < THREADS; i++) {
        LONG m = threads[i].method;
        LONG64 since = threads[i].since_ms;
        if (m >= 0)
            printf("hammer:   thread %d in %s for %lld ms\n",
                   i,
                   methods[m].name,
                   (long long)(now > since ? now - since : 0));
        else
            printf("hammer:   thread %d between calls\n", i);
    }
    fflush(stdout);
    fflush(stderr);
    TerminateProcess(GetCurrentProcess(), 3);
}

/* Fails the test, not hangs it: a call stuck past stuck_ms or a run past its
 * deadline ends the process with the threads' whereabouts. */
static DWORD WINAPI watchdog_main(void *arg)
{
    HANDLE done = arg;
    char why[256];
    int i;

    while (WaitForSingleObject(done, 200) == WAIT_TIMEOUT) {
        LONG64 now = (LONG64)tu_ms();
        for (i = 0; i < THREADS; i++) {
            LONG m = threads[i].method;
            LONG64 since = threads[i].since_ms;
            if (m >= 0 && now - since > (LONG64)stuck_ms) {
                snprintf(why,
                         sizeof(why),
                         "thread %d stuck in %s for %lld ms",
                         i,
                         methods[m].name,
                         (long long)(now - since));
                report_and_die(why);
            }
        }
        if (run_deadline_ms && now > run_deadline_ms)
            report_and_die("the run did not end in time (threads not joining)");
    }
    return 0;
}

/* --- slots ----------------------------------------------------------------- */

/* A reference to the slot's object (and its generation), or NULL. */
static IUnknown *take(slot *s, LONG *gen, IUnknown **obj2)
{
    IUnknown *obj;

    EnterCriticalSection(&s->lock);
    obj = s->obj;
    *gen = s->gen;
    if (obj)
        IUnknown_AddRef(obj);
    if (obj2) {
        *obj2 = s->obj2;
        if (*obj2)
            IUnknown_AddRef(*obj2);
    }
    LeaveCriticalSection(&s->lock);
    return obj;
}

/* The ended object of generation gen makes way for a new one; the slot's
 * references go (perhaps the last ones: other threads may hold theirs). */
static void replace(family *f, slot *s, LONG gen, hammer_thread *t)
{
    slot fresh;
    IUnknown *old = NULL, *old2 = NULL;

    memset(&fresh, 0, sizeof(fresh));
    if (!stop_flag)
        f->create(&fresh, t);
    EnterCriticalSection(&s->lock);
    if (s->gen == gen) {
        old = s->obj;
        old2 = s->obj2;
        s->obj = fresh.obj;
        s->obj2 = fresh.obj2;
        s->id = fresh.id;
        s->id2 = fresh.id2;
        s->floor_bytes = 0;
        s->floor_files_total = s->floor_files_done = 0;
        s->nfiles = fresh.nfiles;
        memcpy(s->local, fresh.local, sizeof(s->local));
        memcpy(s->source, fresh.source, sizeof(s->source));
        s->gen++;
        fresh.obj = fresh.obj2 = NULL;
    }
    LeaveCriticalSection(&s->lock);
    if (old2)
        IUnknown_Release(old2);
    if (old)
        IUnknown_Release(old);
    if (fresh.obj) { /* someone else replaced it first */
        f->end(&fresh);
        if (fresh.obj2)
            IUnknown_Release(fresh.obj2);
        IUnknown_Release(fresh.obj);
    }
}

/* Records a file added to the slot's object (for the content check). */
static void track_file(slot *s, LONG gen, const WCHAR *local, const WCHAR *source)
{
    EnterCriticalSection(&s->lock);
    if (s->gen == gen && s->nfiles < MAX_TRACKED_FILES) {
        wcscpy(s->local[s->nfiles], local);
        wcscpy(s->source[s->nfiles], source);
        s->nfiles++;
    }
    LeaveCriticalSection(&s->lock);
}

/* Progress seen by a call that began after `before` was read: never below it. */
typedef struct floor_view {
    BOOL valid;
    UINT64 bytes;
    ULONG files_total, files_done;
} floor_view;

static floor_view floor_read(slot *s, LONG gen)
{
    floor_view v = {FALSE, 0, 0, 0};

    EnterCriticalSection(&s->lock);
    if (s->gen == gen) {
        v.valid = TRUE;
        v.bytes = s->floor_bytes;
        v.files_total = s->floor_files_total;
        v.files_done = s->floor_files_done;
    }
    LeaveCriticalSection(&s->lock);
    return v;
}

static void floor_check(hammer_thread *t, slot *s, LONG gen, const floor_view *before, UINT64 bytes,
                        ULONG files_total, ULONG files_done, const char *what)
{
    if (!before->valid)
        return;
    if (bytes < before->bytes || files_total < before->files_total || files_done < before->files_done) {
        if (InterlockedIncrement(&backwards) <= 20)
            printf("hammer: thread %d: %s went back: bytes %llu < %llu or files %lu/%lu < %lu/%lu\n",
                   t->index,
                   what,
                   (unsigned long long)bytes,
                   (unsigned long long)before->bytes,
                   files_done,
                   files_total,
                   before->files_done,
                   before->files_total);
    }
    EnterCriticalSection(&s->lock);
    if (s->gen == gen) {
        if (bytes > s->floor_bytes)
            s->floor_bytes = bytes;
        if (files_total > s->floor_files_total)
            s->floor_files_total = files_total;
        if (files_done > s->floor_files_done)
            s->floor_files_done = files_done;
    }
    LeaveCriticalSection(&s->lock);
}

static void torn_report(hammer_thread *t, const char *what, UINT64 done, UINT64 total)
{
    if (InterlockedIncrement(&torn) <= 20)
        printf("hammer: thread %d: %s torn: %llu of %llu\n",
               t->index,
               what,
               (unsigned long long)done,
               (unsigned long long)total);
}

/* After a Complete or Finalize that said every file was in (complete_all),
 * or one that kept only some: the tracked files are the served bytes, or
 * (partial) absent. */
static void check_files(hammer_thread *t, slot *s, LONG gen, BOOL complete_all)
{
    WCHAR local[MAX_TRACKED_FILES][MAX_PATH], source[MAX_TRACKED_FILES][MAX_PATH];
    int n = 0, i;

    EnterCriticalSection(&s->lock);
    if (s->gen == gen) {
        n = s->nfiles;
        memcpy(local, s->local, sizeof(local));
        memcpy(source, s->source, sizeof(source));
    }
    LeaveCriticalSection(&s->lock);
    for (i = 0; i < n; i++) {
        if (!complete_all && !tu_exists(local[i]))
            continue;
        if (!tu_files_equal(local[i], source[i]) && InterlockedIncrement(&wrong_bytes) <= 20)
            printf("hammer: thread %d: %ls is not %ls after a successful Complete\n",
                   t->index,
                   local[i],
                   source[i]);
    }
}

static void new_local(WCHAR *out)
{
    swprintf(out, MAX_PATH, L"%ls\\f%ld.out", dir, InterlockedIncrement(&file_counter));
}

/* --- BITS ------------------------------------------------------------------ */

/* One listener shared by every job (set and taken away by the threads): it
 * reads the job it is called for, from the engine's delivery thread, while
 * the hammer goes on. Static: the DLL may still hold it at the end. */
typedef struct listener {
    IBackgroundCopyCallback2 IBackgroundCopyCallback2_iface;
    volatile LONG refs;
    volatile LONG transferred, error, modification, file_transferred;
} listener;

static listener the_listener;

static HRESULT WINAPI cb_QueryInterface(IBackgroundCopyCallback2 *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
        IsEqualIID(riid, &IID_IBackgroundCopyCallback2)) {
        *out = iface;
        IBackgroundCopyCallback2_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI cb_AddRef(IBackgroundCopyCallback2 *iface)
{
    (void)iface;
    return InterlockedIncrement(&the_listener.refs);
}

static ULONG WINAPI cb_Release(IBackgroundCopyCallback2 *iface)
{
    (void)iface;
    return InterlockedDecrement(&the_listener.refs);
}

static HRESULT WINAPI cb_JobTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job)
{
    BG_JOB_PROGRESS p;

    (void)iface;
    InterlockedIncrement(&the_listener.transferred);
    if (SUCCEEDED(IBackgroundCopyJob_GetProgress(job, &p)) &&
        ((p.BytesTotal != BG_SIZE_UNKNOWN && p.BytesTransferred > p.BytesTotal) ||
         p.FilesTransferred > p.FilesTotal))
        InterlockedIncrement(&torn);
    return S_OK;
}

static HRESULT WINAPI cb_JobError(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                  IBackgroundCopyError *error)
{
    BG_ERROR_CONTEXT context;
    HRESULT code;
    BG_JOB_STATE state;

    (void)iface;
    InterlockedIncrement(&the_listener.error);
    IBackgroundCopyError_GetError(error, &context, &code);
    IBackgroundCopyJob_GetState(job, &state);
    return S_OK;
}

static HRESULT WINAPI cb_JobModification(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                         DWORD reserved)
{
    BG_JOB_STATE state;

    (void)iface;
    (void)reserved;
    InterlockedIncrement(&the_listener.modification);
    IBackgroundCopyJob_GetState(job, &state);
    return S_OK;
}

static HRESULT WINAPI cb_FileTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                         IBackgroundCopyFile *file)
{
    BG_FILE_PROGRESS p;

    (void)iface;
    (void)job;
    InterlockedIncrement(&the_listener.file_transferred);
    if (SUCCEEDED(IBackgroundCopyFile_GetProgress(file, &p)) && !p.Completed)
        InterlockedIncrement(&torn);
    return S_OK;
}

static const IBackgroundCopyCallback2Vtbl listener_vtbl = {
    cb_QueryInterface,
    cb_AddRef,
    cb_Release,
    cb_JobTransferred,
    cb_JobError,
    cb_JobModification,
    cb_FileTransferred,
};

static listener the_listener = {{&listener_vtbl}, 1, 0, 0, 0, 0};

static void bits_create(slot *s, hammer_thread *t)
{
    IBackgroundCopyJob *job = NULL;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyManager_CreateJob(mgr, L"hammer", BG_JOB_TYPE_DOWNLOAD, &s->id, &job))) {
        printf("hammer: CreateJob failed: 0x%08lx\n", (unsigned long)hr);
        InterlockedIncrement(&thread_failures);
        return;
    }
    /* Half the jobs trickle (one file from the fault server), half finish
     * quickly (nginx only), so Complete sees both. */
    new_local(s->local[0]);
    wcscpy(s->source[0], rnd(t) & 1 ? slow_src : fast_src);
    new_local(s->local[1]);
    wcscpy(s->source[1], fast_src);
    s->nfiles = 2;
    if (FAILED(hr = IBackgroundCopyJob_AddFile(
                   job, wcscmp(s->source[0], slow_src) ? fast_url : slow_url, s->local[0])) ||
        FAILED(hr = IBackgroundCopyJob_AddFile(job, fast_url, s->local[1])) ||
        FAILED(hr = IBackgroundCopyJob_SetNoProgressTimeout(job, 3600)) ||
        FAILED(hr = IBackgroundCopyJob_Resume(job))) {
        printf("hammer: setting up a job failed: 0x%08lx\n", (unsigned long)hr);
        InterlockedIncrement(&thread_failures);
    }
    s->obj = (IUnknown *)job;
}

static void bits_end(slot *s)
{
    if (s->obj)
        IBackgroundCopyJob_Cancel((IBackgroundCopyJob *)s->obj);
}

static family bits_family;

static void bits_progress(hammer_thread *t, slot *s, LONG gen, IBackgroundCopyJob *job)
{
    floor_view before = floor_read(s, gen);
    BG_JOB_PROGRESS p;

    memset(&p, 0, sizeof(p));
    if (CALL(t, M_GETPROGRESS, IBackgroundCopyJob_GetProgress(job, &p)) != S_OK)
        return;
    if ((p.BytesTotal != BG_SIZE_UNKNOWN && p.BytesTransferred > p.BytesTotal) ||
        p.FilesTransferred > p.FilesTotal)
        torn_report(t, "BG_JOB_PROGRESS", p.BytesTransferred, p.BytesTotal);
    floor_check(t, s, gen, &before, p.BytesTransferred, p.FilesTotal, p.FilesTransferred, "GetProgress");
}

static void bits_step(hammer_thread *t)
{
    slot *s = &slots[rnd(t) % SLOTS];
    IBackgroundCopyJob *job;
    IUnknown *unk;
    LONG gen;
    uint32_t r = rnd(t) % 1000;
    HRESULT hr;

    if (!(unk = take(s, &gen, NULL)))
        return;
    job = (IBackgroundCopyJob *)unk;
    /* A quarter of the time, a view of our own through GetJob. */
    if (rnd(t) % 4 == 0) {
        IBackgroundCopyJob *view = NULL;
        GUID id;
        EnterCriticalSection(&s->lock);
        id = s->id;
        LeaveCriticalSection(&s->lock);
        if (CALL(t, M_GETJOB, IBackgroundCopyManager_GetJob(mgr, &id, &view)) == S_OK && view) {
            release(t, M_RELEASE, unk);
            job = view;
        }
    }

    if (r < 250) {
        bits_progress(t, s, gen, job);
    } else if (r < 400) {
        BG_JOB_STATE state;
        if (CALL(t, M_GETSTATE, IBackgroundCopyJob_GetState(job, &state)) == S_OK &&
            (unsigned)state > BG_JOB_STATE_CANCELLED)
            torn_report(t, "GetState", state, BG_JOB_STATE_CANCELLED);
    } else if (r < 460 && rnd(t) % 32 == 0) {
        /* Rare enough (1 step in 500) that transfers get somewhere between. */
        CALL(t, M_SUSPEND, IBackgroundCopyJob_Suspend(job));
    } else if (r < 584) {
        CALL(t, M_RESUME, IBackgroundCopyJob_Resume(job));
    } else if (r < 585) { /* 1 step in 1,000: jobs that can still finish */
        /* Mostly files that finish; some that trickle; a few that are not
         * there (404: the job goes to ERROR, and GetError has something). */
        WCHAR local[MAX_PATH];
        uint32_t kind = rnd(t) % 16;
        const WCHAR *url = kind < 4 ? slow_url : kind == 4 ? missing_url : fast_url;
        new_local(local);
        if (CALL(t, M_ADDFILE, IBackgroundCopyJob_AddFile(job, url, local)) == S_OK && url != missing_url)
            track_file(s, gen, local, kind < 4 ? slow_src : fast_src);
    } else if (r < 630) {
        CALL(t, M_SETPRIORITY, IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)(rnd(t) % 4)));
    } else if (r < 636) {
        /* The listener, or none, while the engine may be calling it. */
        IUnknown *cb = rnd(t) % 4 ? (IUnknown *)&the_listener.IBackgroundCopyCallback2_iface : NULL;
        CALL(t, M_SETNOTIFYINTERFACE, IBackgroundCopyJob_SetNotifyInterface(job, cb));
    } else if (r < 640) {
        static const ULONG flags[] = {
            BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR,
            BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_FILE_TRANSFERRED,
            BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_JOB_MODIFICATION,
            BG_NOTIFY_DISABLE,
        };
        CALL(t, M_SETNOTIFYFLAGS, IBackgroundCopyJob_SetNotifyFlags(job, flags[rnd(t) % 4]));
    } else if (r < 680) {
        IEnumBackgroundCopyJobs *e = NULL;
        if (CALL(t, M_ENUMJOBS, IBackgroundCopyManager_EnumJobs(mgr, 0, &e)) == S_OK && e) {
            IBackgroundCopyJob *j;
            ULONG got;
            while (IEnumBackgroundCopyJobs_Next(e, 1, &j, &got) == S_OK && got == 1) {
                BG_JOB_STATE state;
                CALL(t, M_GETSTATE, IBackgroundCopyJob_GetState(j, &state));
                release(t, M_RELEASE, (IUnknown *)j);
            }
            IEnumBackgroundCopyJobs_Release(e);
        }
    } else if (r < 760) {
        IBackgroundCopyError *error = NULL;
        if (CALL(t, M_GETERROR, IBackgroundCopyJob_GetError(job, &error)) == S_OK && error) {
            BG_ERROR_CONTEXT context;
            HRESULT code;
            IBackgroundCopyError_GetError(error, &context, &code);
            IBackgroundCopyError_Release(error);
        }
    } else if (r < 850) {
        LPWSTR name = NULL;
        if (CALL(t, M_GETDISPLAYNAME, IBackgroundCopyJob_GetDisplayName(job, &name)) == S_OK)
            CoTaskMemFree(name);
    } else if (r < 999 || rnd(t) % 8) {
        WCHAR text[64];
        swprintf(text, 64, L"thread %d call %lu", t->index, (unsigned long)rnd(t));
        CALL(t, M_SETDESCRIPTION, IBackgroundCopyJob_SetDescription(job, text));
    } else if (rnd(t) % 3 == 0) { /* about 1 step in 8,000 ends the job */
        hr = CALL(t, M_CANCEL, IBackgroundCopyJob_Cancel(job));
        if (SUCCEEDED(hr)) {
            release(t, M_RELEASE, (IUnknown *)job);
            replace(&bits_family, s, gen, t);
            return;
        }
    } else {
        hr = CALL(t, M_COMPLETE, IBackgroundCopyJob_Complete(job));
        if (SUCCEEDED(hr)) {
            check_files(t, s, gen, hr == S_OK);
            release(t, M_RELEASE, (IUnknown *)job);
            replace(&bits_family, s, gen, t);
            return;
        }
    }
    release(t, M_RELEASE, (IUnknown *)job);
}

static family bits_family = {"BITS", bits_create, bits_step, bits_end};

/* --- Delivery Optimization ----------------------------------------------- */

static void do_create(slot *s, hammer_thread *t)
{
    IDODownload *d = NULL;
    VARIANT v;
    HRESULT hr;

    if (FAILED(hr = IDOManager_CreateDownload(do_mgr, &d))) {
        printf("hammer: CreateDownload failed: 0x%08lx\n", (unsigned long)hr);
        InterlockedIncrement(&thread_failures);
        return;
    }
    new_local(s->local[0]);
    wcscpy(s->source[0], rnd(t) % 3 ? slow_src : fast_src);
    s->nfiles = 1;
    VariantInit(&v);
    if (FAILED(hr = tu_do_set_bstr(
                   d, DODownloadProperty_Uri, wcscmp(s->source[0], slow_src) ? fast_url : slow_url)) ||
        FAILED(hr = tu_do_set_bstr(d, DODownloadProperty_LocalPath, s->local[0])) ||
        FAILED(hr = IDODownload_Start(d, NULL))) {
        printf("hammer: setting up a download failed: 0x%08lx\n", (unsigned long)hr);
        InterlockedIncrement(&thread_failures);
    }
    if (SUCCEEDED(IDODownload_GetProperty(d, DODownloadProperty_Id, &v)) && V_VT(&v) == VT_BSTR)
        CLSIDFromString(V_BSTR(&v), &s->id);
    VariantClear(&v);
    s->obj = (IUnknown *)d;
}

static void do_end(slot *s)
{
    if (s->obj)
        IDODownload_Abort((IDODownload *)s->obj);
}

static family do_family;

static void do_step(hammer_thread *t)
{
    static const DODownloadProperty readable[] = {
        DODownloadProperty_Id,
        DODownloadProperty_Uri,
        DODownloadProperty_LocalPath,
        DODownloadProperty_TotalSizeBytes,
        DODownloadProperty_ForegroundPriority,
        DODownloadProperty_NoProgressTimeoutSeconds,
        DODownloadProperty_HttpStatusCode,
        DODownloadProperty_HttpResponseHeaders,
        DODownloadProperty_DisplayName,
        DODownloadProperty_CallbackInterface,
    };
    slot *s = &slots[rnd(t) % SLOTS];
    IDODownload *d;
    LONG gen;
    uint32_t r = rnd(t) % 1000;
    HRESULT hr;

    if (!(d = (IDODownload *)take(s, &gen, NULL)))
        return;
    if (r < 300) {
        floor_view before = floor_read(s, gen);
        DO_DOWNLOAD_STATUS st;
        memset(&st, 0, sizeof(st));
        if (CALL(t, M_DO_GETSTATUS, IDODownload_GetStatus(d, &st)) == S_OK) {
            /* BytesTotal 0: not known yet (dodownload.c). */
            if ((st.BytesTotal && st.BytesTotal != (UINT64)-1 && st.BytesTransferred > st.BytesTotal) ||
                (unsigned)st.State > DODownloadState_Paused)
                torn_report(t, "DO_DOWNLOAD_STATUS", st.BytesTransferred, st.BytesTotal);
            char what[64];
            snprintf(what,
                     sizeof(what),
                     "GetStatus (state %d, error 0x%08lx)",
                     (int)st.State,
                     (unsigned long)st.Error);
            floor_check(t, s, gen, &before, st.BytesTransferred, 0, 0, what);
        }
    } else if (r < 450) {
        VARIANT v;
        VariantInit(&v);
        if (CALL(t,
                 M_DO_GETPROPERTY,
                 IDODownload_GetProperty(
                     d, readable[rnd(t) % (sizeof(readable) / sizeof(readable[0]))], &v)) == S_OK)
            VariantClear(&v);
    } else if (r < 600) {
        switch (rnd(t) % 3) {
        case 0:
            CALL(t, M_DO_SETPROPERTY, tu_do_set_bool(d, DODownloadProperty_ForegroundPriority, rnd(t) & 1));
            break;
        case 1:
            CALL(t,
                 M_DO_SETPROPERTY,
                 tu_do_set_ui4(d, DODownloadProperty_NoProgressTimeoutSeconds, 600 + rnd(t) % 60));
            break;
        default:
            CALL(t, M_DO_SETPROPERTY, tu_do_set_bstr(d, DODownloadProperty_DisplayName, L"hammer"));
            break;
        }
    } else if (r < 700 && rnd(t) % 32 == 0) {
        CALL(t, M_DO_PAUSE, IDODownload_Pause(d));
    } else if (r < 850) {
        CALL(t, M_DO_START, IDODownload_Start(d, NULL));
    } else if (r < 900) {
        IEnumUnknown *e = NULL;
        if (CALL(t, M_DO_ENUMDOWNLOADS, IDOManager_EnumDownloads(do_mgr, NULL, &e)) == S_OK && e) {
            IUnknown *unk;
            ULONG got;
            while (IEnumUnknown_Next(e, 1, &unk, &got) == S_OK && got == 1)
                release(t, M_DO_RELEASE, unk);
            IEnumUnknown_Release(e);
        }
    } else if (r < 999 || rnd(t) % 8) { /* about 1 step in 8,000 aborts */
        hr = CALL(t, M_DO_FINALIZE, IDODownload_Finalize(d));
        if (hr == S_OK) {
            check_files(t, s, gen, TRUE);
            release(t, M_DO_RELEASE, (IUnknown *)d);
            replace(&do_family, s, gen, t);
            return;
        }
    } else {
        hr = CALL(t, M_DO_ABORT, IDODownload_Abort(d));
        if (SUCCEEDED(hr)) {
            release(t, M_DO_RELEASE, (IUnknown *)d);
            replace(&do_family, s, gen, t);
            return;
        }
    }
    release(t, M_DO_RELEASE, (IUnknown *)d);
}

static family do_family = {"Delivery Optimization", do_create, do_step, do_end};

/* --- BITS 1.0 ------------------------------------------------------------- */

static HRESULT add_files1(IBackgroundCopyJob1 *job, const WCHAR *remote, const WCHAR *local)
{
    FILESETINFO info, *ptr = &info;
    HRESULT hr;

    info.bstrRemoteFile = SysAllocString(remote);
    info.bstrLocalFile = SysAllocString(local);
    info.dwSizeHint = 0;
    hr = IBackgroundCopyJob1_AddFiles(job, 1, &ptr);
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    return hr;
}

static void qm_create(slot *s, hammer_thread *t)
{
    IBackgroundCopyGroup *group = NULL;
    IBackgroundCopyJob1 *job = NULL;
    HRESULT hr;

    CoCreateGuid(&s->id);
    CoCreateGuid(&s->id2);
    if (FAILED(hr = IBackgroundCopyQMgr_CreateGroup(qmgr, s->id, &group)) ||
        FAILED(hr = IBackgroundCopyGroup_CreateJob(group, s->id2, &job))) {
        printf("hammer: CreateGroup/CreateJob failed: 0x%08lx\n", (unsigned long)hr);
        InterlockedIncrement(&thread_failures);
        if (group) {
            IBackgroundCopyGroup_CancelGroup(group);
            IBackgroundCopyGroup_Release(group);
        }
        return;
    }
    new_local(s->local[0]);
    wcscpy(s->source[0], rnd(t) & 1 ? slow_src : fast_src);
    new_local(s->local[1]);
    wcscpy(s->source[1], fast_src);
    s->nfiles = 2;
    if (FAILED(hr = add_files1(job, wcscmp(s->source[0], slow_src) ? fast_url : slow_url, s->local[0])) ||
        FAILED(hr = add_files1(job, fast_url, s->local[1])) ||
        FAILED(hr = IBackgroundCopyGroup_ResumeGroup(group))) {
        printf("hammer: setting up a group failed: 0x%08lx\n", (unsigned long)hr);
        InterlockedIncrement(&thread_failures);
    }
    s->obj = (IUnknown *)group;
    s->obj2 = (IUnknown *)job;
}

static void qm_end(slot *s)
{
    if (s->obj)
        IBackgroundCopyGroup_CancelGroup((IBackgroundCopyGroup *)s->obj);
}

static family qm_family;

static void qm_check_status(hammer_thread *t, DWORD status)
{
    static const DWORD known = QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_INCOMPLETE |
                               QM_STATUS_GROUP_SUSPENDED | QM_STATUS_GROUP_ERROR | QM_STATUS_GROUP_FOREGROUND;

    if ((status & ~known) || ((status & QM_STATUS_GROUP_COMPLETE) && (status & QM_STATUS_GROUP_INCOMPLETE)))
        torn_report(t, "group status", status, known);
}

static void qm_job_calls(hammer_thread *t, slot *s, LONG gen, IBackgroundCopyJob1 *job)
{
    uint32_t r = rnd(t) % 10;

    if (r < 4) {
        floor_view before = floor_read(s, gen);
        DWORD value = 0;
        if (CALL(t,
                 M_QM_JOB_GETPROGRESS,
                 IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_SIZE_DONE, &value)) == S_OK)
            floor_check(t, s, gen, &before, value, 0, 0, "Job1 GetProgress(SIZE_DONE)");
    } else if (r < 9 || rnd(t) % 32) {
        DWORD status, win32, transport, retries;
        CALL(
            t, M_QM_JOB_GETSTATUS, IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries));
    } else {
        WCHAR local[MAX_PATH];
        new_local(local);
        if (CALL(t, M_QM_JOB_ADDFILES, add_files1(job, fast_url, local)) == S_OK)
            track_file(s, gen, local, fast_src);
    }
}

static void qm_step(hammer_thread *t)
{
    slot *s = &slots[rnd(t) % SLOTS];
    IBackgroundCopyGroup *group;
    IBackgroundCopyJob1 *job = NULL;
    IUnknown *job_unk = NULL;
    LONG gen;
    uint32_t r = rnd(t) % 1000;
    DWORD value = 0, status = 0, index;
    BOOL complete = FALSE;
    GUID id, id2;

    if (!(group = (IBackgroundCopyGroup *)take(s, &gen, &job_unk)))
        return;
    job = (IBackgroundCopyJob1 *)job_unk;
    EnterCriticalSection(&s->lock);
    id = s->id;
    id2 = s->id2;
    LeaveCriticalSection(&s->lock);
    /* A quarter of the time, a group object of our own through GetGroup. */
    if (rnd(t) % 4 == 0) {
        IBackgroundCopyGroup *own = NULL;
        if (CALL(t, M_QM_GETGROUP, IBackgroundCopyQMgr_GetGroup(qmgr, id, &own)) == S_OK && own) {
            release(t, M_QM_RELEASE, (IUnknown *)group);
            group = own;
        }
    }

    if (r < 200) {
        floor_view before = floor_read(s, gen);
        BOOL size = rnd(t) & 1;
        if (CALL(t,
                 M_QM_GROUP_GETPROGRESS,
                 IBackgroundCopyGroup_GetProgress(
                     group, size ? QM_PROGRESS_SIZE_DONE : QM_PROGRESS_PERCENT_DONE, &value)) == S_OK) {
            if (!size && value > 100)
                torn_report(t, "group percent", value, 100);
            if (size)
                floor_check(t, s, gen, &before, value, 0, 0, "Group GetProgress(SIZE_DONE)");
        }
    } else if (r < 350) {
        if (CALL(t, M_QM_GROUP_GETSTATUS, IBackgroundCopyGroup_GetStatus(group, &status, &index)) == S_OK) {
            qm_check_status(t, status);
            if (status & QM_STATUS_GROUP_COMPLETE) {
                complete = TRUE;
                goto cancel;
            }
        }
    } else if (r < 450) {
        CALL(t, M_QM_RESUMEGROUP, IBackgroundCopyGroup_ResumeGroup(group));
    } else if (r < 520 && rnd(t) % 32 == 0) {
        CALL(t, M_QM_SUSPENDGROUP, IBackgroundCopyGroup_SuspendGroup(group));
    } else if (r < 520) {
        CALL(t, M_QM_RESUMEGROUP, IBackgroundCopyGroup_ResumeGroup(group));
    } else if (r < 580) {
        IEnumBackgroundCopyJobs1 *e = NULL;
        if (CALL(t, M_QM_GROUP_ENUMJOBS, IBackgroundCopyGroup_EnumJobs(group, 0, &e)) == S_OK && e) {
            GUID got;
            ULONG n;
            while (IEnumBackgroundCopyJobs1_Next(e, 1, &got, &n) == S_OK && n == 1)
                ;
            IEnumBackgroundCopyJobs1_Release(e);
        }
    } else if (r < 660) {
        IBackgroundCopyJob1 *own = NULL;
        if (CALL(t, M_QM_GROUP_GETJOB, IBackgroundCopyGroup_GetJob(group, id2, &own)) == S_OK && own) {
            qm_job_calls(t, s, gen, own);
            release(t, M_QM_RELEASE, (IUnknown *)own);
        }
    } else if (r < 999 || rnd(t) % 8) {
        if (job)
            qm_job_calls(t, s, gen, job);
    } else {
        /* About 1 step in 8,000 cancels; a complete group is cancelled (and
         * so replaced) as soon as GetStatus says so, below. */
        HRESULT hr;
    cancel:
        hr = CALL(t, M_QM_CANCELGROUP, IBackgroundCopyGroup_CancelGroup(group));
        if (hr == S_OK) {
            /* Documented: the files completely downloaded stay. */
            check_files(t, s, gen, complete);
            if (job)
                release(t, M_QM_RELEASE, (IUnknown *)job);
            release(t, M_QM_RELEASE, (IUnknown *)group);
            replace(&qm_family, s, gen, t);
            return;
        }
    }
    if (job)
        release(t, M_QM_RELEASE, (IUnknown *)job);
    release(t, M_QM_RELEASE, (IUnknown *)group);
}

static family qm_family = {"BITS 1.0", qm_create, qm_step, qm_end};

/* --- the run --------------------------------------------------------------- */

static family *current;

static DWORD WINAPI hammer_main(void *arg)
{
    hammer_thread *t = arg;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    while (!stop_flag)
        current->step(t);
    CoUninitialize();
    return 0;
}

static unsigned hammer_seconds(void)
{
    const char *s = getenv("BITSDO_HAMMER_SECONDS");
    int v = s ? atoi(s) : 0;

    return v > 0 ? (unsigned)v : 10u;
}

static void print_stats(const family *f, unsigned seconds)
{
    method_stats total[M_COUNT];
    int m, i, k, j;

    memset(total, 0, sizeof(total));
    for (i = 0; i < THREADS; i++) {
        for (m = 0; m < M_COUNT; m++) {
            const method_stats *st = &threads[i].stats[m];
            total[m].calls += st->calls;
            total[m].other += st->other;
            if (st->max_ms > total[m].max_ms)
                total[m].max_ms = st->max_ms;
            for (k = 0; k < MAX_HR && st->hrs[k].count; k++) {
                for (j = 0; j < MAX_HR; j++) {
                    if (total[m].hrs[j].count && total[m].hrs[j].hr == st->hrs[k].hr)
                        break;
                    if (!total[m].hrs[j].count) {
                        total[m].hrs[j].hr = st->hrs[k].hr;
                        break;
                    }
                }
                if (j < MAX_HR)
                    total[m].hrs[j].count += st->hrs[k].count;
                else
                    total[m].other += st->hrs[k].count;
            }
        }
    }
    printf("hammer: %s, %u threads, %u s:\n", f->name, THREADS, seconds);
    for (m = 0; m < M_COUNT; m++) {
        char line[512];
        int len;
        if (!total[m].calls)
            continue;
        len = snprintf(line,
                       sizeof(line),
                       "  %-36s %8ld calls, max %5lu ms:",
                       methods[m].name,
                       total[m].calls,
                       (unsigned long)total[m].max_ms);
        for (k = 0; k < MAX_HR && total[m].hrs[k].count && len < (int)sizeof(line) - 32; k++)
            len += snprintf(line + len,
                            sizeof(line) - len,
                            " 0x%08lx x%ld",
                            (unsigned long)total[m].hrs[k].hr,
                            total[m].hrs[k].count);
        if (total[m].other)
            snprintf(line + len, sizeof(line) - len, " other x%ld", total[m].other);
        printf("%s\n", line);
    }
    fflush(stdout);
}

static void run_family(family *f)
{
    unsigned seconds = hammer_seconds(), i;
    HANDLE watchdog, done, handles[THREADS];
    hammer_thread creator;
    DWORD r;

    memset(threads, 0, sizeof(threads));
    memset(&creator, 0, sizeof(creator));
    creator.rng = 0x12345u;
    stop_flag = 0;
    current = f;
    for (i = 0; i < SLOTS; i++) {
        memset(&slots[i], 0, sizeof(slots[i]));
        InitializeCriticalSection(&slots[i].lock);
        f->create(&slots[i], &creator);
        assert_non_null(slots[i].obj);
    }
    assert_int_equal(thread_failures, 0);

    done = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_non_null(done);
    run_deadline_ms = 0;
    for (i = 0; i < THREADS; i++) {
        threads[i].index = (int)i;
        threads[i].rng = 0x9E3779B9u * (i + 1) ^ (uint32_t)GetTickCount();
        threads[i].method = -1;
    }
    assert_non_null(watchdog = CreateThread(NULL, 0, watchdog_main, done, 0, NULL));
    for (i = 0; i < THREADS; i++)
        assert_non_null(threads[i].handle = handles[i] =
                            CreateThread(NULL, 0, hammer_main, &threads[i], 0, NULL));

    Sleep(seconds * 1000u); /* the length of the run, not a synchronisation */
    InterlockedExchange(&stop_flag, 1);
    InterlockedExchange64(&run_deadline_ms, (LONG64)tu_ms() + stuck_ms + 30000);
    r = WaitForMultipleObjects(THREADS, handles, TRUE, stuck_ms + 60000);
    assert_int_equal(r, WAIT_OBJECT_0);
    for (i = 0; i < THREADS; i++)
        CloseHandle(handles[i]);

    /* What is left goes; then nothing of ours may remain. */
    for (i = 0; i < SLOTS; i++) {
        f->end(&slots[i]);
        if (slots[i].obj2)
            IUnknown_Release(slots[i].obj2);
        if (slots[i].obj)
            IUnknown_Release(slots[i].obj);
        DeleteCriticalSection(&slots[i].lock);
    }
    SetEvent(done);
    WaitForSingleObject(watchdog, 10000);
    CloseHandle(watchdog);
    CloseHandle(done);
    run_deadline_ms = 0;

    print_stats(f, seconds);
    printf("hammer: %s: %ld objects freed by a hammer thread's Release; undocumented results %ld, torn %ld, "
           "backwards %ld, wrong files %ld\n",
           f->name,
           last_refs,
           undocumented,
           torn,
           backwards,
           wrong_bytes);
    assert_int_equal(thread_failures, 0);
    assert_int_equal(undocumented, 0);
    assert_int_equal(torn, 0);
    assert_int_equal(backwards, 0);
    assert_int_equal(wrong_bytes, 0);
    assert_int_equal(tu_count_temp_files(dir), 0);
}

static int group_setup(void **state)
{
    const char *s = getenv("BITSDO_HAMMER_STUCK_MS");
    WCHAR name[64];

    if (tu_group_setup(state) || !ht_init())
        return -1;
    stuck_ms = s && atoi(s) > 0 ? (DWORD)atoi(s) : 60000;
    mgr = tu_manager();
    if (FAILED(CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization,
                                NULL,
                                CLSCTX_INPROC_SERVER,
                                &IID_IDOManager,
                                (void **)&do_mgr)) ||
        FAILED(CoCreateInstance(
            &CLSID_BitsdoPrivateQMgr, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyQMgr, (void **)&qmgr)))
        return -1;
    tu_path(dir, MAX_PATH, L"hammer");
    if (!tu_mkdirs(dir))
        return -1;
    swprintf(name, 64, L"hammer-slow-%lx.bin", GetCurrentProcessId());
    ht_make(slow_src, MAX_PATH, name, SLOW_SIZE, 41);
    swprintf(slow_url, 256, L"http://127.0.0.1:%u/fault/slow=%u/%ls", ht.fault_http, SLOW_BPS, name);
    swprintf(name, 64, L"hammer-fast-%lx.bin", GetCurrentProcessId());
    ht_make(fast_src, MAX_PATH, name, FAST_SIZE, 42);
    swprintf(fast_url, 256, L"http://127.0.0.1:%u/%ls", ht.nginx_http, name);
    swprintf(missing_url,
             256,
             L"http://127.0.0.1:%u/hammer-missing-%lx.bin",
             ht.nginx_http,
             GetCurrentProcessId());
    return 0;
}

static int group_teardown(void **state)
{
    DeleteFileW(slow_src);
    DeleteFileW(fast_src);
    IBackgroundCopyQMgr_Release(qmgr);
    IDOManager_Release(do_mgr);
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

static void reset_counts(void)
{
    undocumented = torn = backwards = wrong_bytes = thread_failures = last_refs = 0;
}

/* BITSDO_HAMMER_FAMILIES ("bits,do,qmgr" by default) picks the families to run. */
static void want_family(const char *name)
{
    const char *list = getenv("BITSDO_HAMMER_FAMILIES");
    const char *p;
    size_t n = strlen(name);

    if (!list || !*list)
        return;
    for (p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ',') && (!p[n] || p[n] == ','))
            return;
    skip();
}

static void test_hammer_bits(void **state)
{
    (void)state;
    want_family("bits");
    reset_counts();
    run_family(&bits_family);
    printf("hammer: BITS: listener called: JobTransferred %ld, JobError %ld, JobModification %ld, "
           "FileTransferred "
           "%ld\n",
           the_listener.transferred,
           the_listener.error,
           the_listener.modification,
           the_listener.file_transferred);
}

static void test_hammer_do(void **state)
{
    (void)state;
    want_family("do");
    reset_counts();
    run_family(&do_family);
}

static void test_hammer_qmgr(void **state)
{
    (void)state;
    want_family("qmgr");
    reset_counts();
    run_family(&qm_family);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_hammer_bits, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_hammer_do, tu_cancel_all_jobs),
        cmocka_unit_test_teardown(test_hammer_qmgr, tu_cancel_all_jobs),
    };

    setvbuf(stdout, NULL, _IONBF, 0);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
