/* A client callback as COM requires (see callback_ref.h): the holder, the
 * global interface table, and the pool of MTA caller threads that make the
 * calls while the delivering thread waits for them, bounded.
 *
 * Invariants: a holder has at most one call in flight (`inflight`); a call
 * record is shared by the thread that waits for it and the caller thread
 * that makes it (two references); its state moves PENDING -> RUNNING -> DONE
 * on the caller thread, or PENDING/RUNNING -> ABANDONED when the waiter gives
 * up; a call abandoned while PENDING is never made. The caller thread always
 * frees the call's argument. pool_lock guards the queue and the thread list
 * and is never held while a client is called. */
#include "callback_ref.h"

#include <objidl.h>
#include <stdlib.h>
#include <wchar.h>

/* A caller thread with nothing to do for this long ends. */
#define POOL_IDLE_MS 5000

enum {
    CALL_PENDING,
    CALL_RUNNING,
    CALL_DONE,
    CALL_ABANDONED,
};

typedef struct bitsdo_call {
    LONG refs;
    volatile LONG state;
    bitsdo_callback_ref *ref;
    IID iid;
    bitsdo_callback_fn fn;
    void *arg;
    void (*free_arg)(void *arg);
    void *owner;  /* whose event this is (the job), for bitsdo_callback_serving */
    HRESULT hr;   /* fn's result, written before `done` is set */
    HANDLE done;  /* manual-reset: the call is over */
    struct bitsdo_call *next;
} bitsdo_call;

struct bitsdo_callback_ref {
    LONG refs;
    IID iid;
    BOOL in_git;
    DWORD cookie;         /* in the global interface table, if in_git */
    IUnknown *raw;        /* the interface itself when the table refused it */
    BOOL by_clsid;
    CLSID clsid;          /* a new object per call (GROUPPROP_NOTIFYCLSID) */
    SRWLOCK lock;         /* guards inflight */
    bitsdo_call *inflight;
    HANDLE idle;          /* manual-reset: set while no call is in flight */
};

/* --- the global interface table ------------------------------------------- */

static IGlobalInterfaceTable *volatile git_table;

/* The process's table (a singleton: kept once obtained, so that threads
 * without COM can still revoke). NULL if COM cannot give it. */
static IGlobalInterfaceTable *get_git(void)
{
    IGlobalInterfaceTable *table = git_table;

    if (table)
        return table;
    if (FAILED(CoCreateInstance(&CLSID_StdGlobalInterfaceTable, NULL, CLSCTX_INPROC_SERVER,
                                &IID_IGlobalInterfaceTable, (void **)&table)))
        return NULL;
    if (InterlockedCompareExchangePointer((void *volatile *)&git_table, table, NULL) != NULL) {
        IGlobalInterfaceTable_Release(table);
        table = git_table;
    }
    return table;
}

/* --- the holder ------------------------------------------------------------ */

static bitsdo_callback_ref *ref_new(REFIID iid)
{
    bitsdo_callback_ref *ref = calloc(1, sizeof(*ref));

    if (!ref)
        return NULL;
    if (!(ref->idle = CreateEventW(NULL, TRUE, TRUE, NULL))) {
        free(ref);
        return NULL;
    }
    ref->refs = 1;
    ref->iid = *iid;
    InitializeSRWLock(&ref->lock);
    return ref;
}

HRESULT bitsdo_callback_ref_create(IUnknown *unk, REFIID iid, bitsdo_callback_ref **out)
{
    IGlobalInterfaceTable *table;
    bitsdo_callback_ref *ref;
    IUnknown *itf;
    HRESULT hr;

    *out = NULL;
    if (!unk)
        return E_INVALIDARG;
    if (!(ref = ref_new(iid)))
        return E_OUTOFMEMORY;
    if (FAILED(hr = IUnknown_QueryInterface(unk, iid, (void **)&itf))) {
        CloseHandle(ref->idle);
        free(ref);
        return hr;
    }
    /* Marshaled for the table from the setter's apartment. This fails when
     * no proxy/stub is registered for iid: then the pointer is kept as it
     * is (see callback_ref.h). */
    if ((table = get_git()) &&
        SUCCEEDED(IGlobalInterfaceTable_RegisterInterfaceInGlobal(table, itf, iid, &ref->cookie))) {
        ref->in_git = TRUE;
        IUnknown_Release(itf);
    } else {
        ref->raw = itf;
    }
    *out = ref;
    return S_OK;
}

HRESULT bitsdo_callback_ref_create_clsid(const CLSID *clsid, REFIID iid, bitsdo_callback_ref **out)
{
    bitsdo_callback_ref *ref;

    if (!(ref = ref_new(iid)))
        return E_OUTOFMEMORY;
    ref->by_clsid = TRUE;
    ref->clsid = *clsid;
    *out = ref;
    return S_OK;
}

void bitsdo_callback_ref_addref(bitsdo_callback_ref *ref)
{
    InterlockedIncrement(&ref->refs);
}

void bitsdo_callback_ref_release(bitsdo_callback_ref *ref)
{
    IGlobalInterfaceTable *table;

    if (InterlockedDecrement(&ref->refs))
        return;
    /* Revoking may fail when the setter's apartment is gone; the table's
     * entry is gone either way. */
    if (ref->in_git && (table = get_git()))
        IGlobalInterfaceTable_RevokeInterfaceFromGlobal(table, ref->cookie);
    if (ref->raw)
        IUnknown_Release(ref->raw);
    CloseHandle(ref->idle);
    free(ref);
}

HRESULT bitsdo_callback_ref_get(bitsdo_callback_ref *ref, REFIID iid, void **out)
{
    IGlobalInterfaceTable *table;

    *out = NULL;
    if (ref->by_clsid)
        return CoCreateInstance(&ref->clsid, NULL, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER, iid, out);
    if (ref->in_git) {
        if (!(table = get_git()))
            return CO_E_NOTINITIALIZED;
        return IGlobalInterfaceTable_GetInterfaceFromGlobal(table, ref->cookie, iid, out);
    }
    return IUnknown_QueryInterface(ref->raw, iid, out);
}

/* --- caller threads -------------------------------------------------------- */

typedef struct pool_thread {
    GUID cid;     /* its COM logical thread id (causality), which the calls it
                   * makes carry into the client's apartment and back */
    void *owner;  /* the owner of the call it is making, or NULL */
    struct pool_thread *next;
} pool_thread;

static SRWLOCK pool_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE pool_cv = CONDITION_VARIABLE_INIT;
static bitsdo_call *queue_head, *queue_tail;
static LONG queued;        /* calls in the queue */
static LONG idle_threads;  /* caller threads waiting for a call */
static pool_thread *threads;

static void call_release(bitsdo_call *call)
{
    if (InterlockedDecrement(&call->refs))
        return;
    CloseHandle(call->done);
    if (call->ref)
        bitsdo_callback_ref_release(call->ref);
    free(call);
}

static void set_owner(pool_thread *self, void *owner)
{
    AcquireSRWLockExclusive(&pool_lock);
    self->owner = owner;
    ReleaseSRWLockExclusive(&pool_lock);
}

/* On a caller thread: makes the call unless the waiter gave up first. By
 * the time `done` is set, everything the call held of the client (the
 * interface, the views, the holder itself if it was the last reference)
 * has been let go, so a waiter that goes on sees the call wholly over. */
static void call_run(bitsdo_call *call, pool_thread *self)
{
    bitsdo_callback_ref *ref = call->ref;
    IUnknown *itf;
    HRESULT hr;
    BOOL ran = FALSE;

    if (InterlockedCompareExchange(&call->state, CALL_RUNNING, CALL_PENDING) == CALL_PENDING) {
        set_owner(self, call->owner);
        if (SUCCEEDED(hr = bitsdo_callback_ref_get(ref, &call->iid, (void **)&itf))) {
            hr = call->fn(itf, call->arg);
            IUnknown_Release(itf);
        }
        set_owner(self, NULL);
        call->hr = hr;
        ran = TRUE;
    }
    call->free_arg(call->arg);
    AcquireSRWLockExclusive(&ref->lock);
    if (ref->inflight == call) {
        ref->inflight = NULL;
        SetEvent(ref->idle);
    }
    ReleaseSRWLockExclusive(&ref->lock);
    call->ref = NULL;
    bitsdo_callback_ref_release(ref);
    if (ran)
        InterlockedCompareExchange(&call->state, CALL_DONE, CALL_RUNNING);
    SetEvent(call->done);
    call_release(call);
}

static DWORD WINAPI caller_main(void *arg)
{
    pool_thread self, **p;
    HMODULE module = NULL;
    bitsdo_call *call;
    BOOL woke;

    (void)arg;
    /* Keep the DLL loaded until this thread is out of its code. */
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)(void *)caller_main, &module);
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(CoGetCurrentLogicalThreadId(&self.cid)))
        memset(&self.cid, 0, sizeof(self.cid));
    self.owner = NULL;
    AcquireSRWLockExclusive(&pool_lock);
    self.next = threads;
    threads = &self;
    for (;;) {
        while (!queue_head) {
            idle_threads++;
            woke = SleepConditionVariableSRW(&pool_cv, &pool_lock, POOL_IDLE_MS, 0);
            idle_threads--;
            if (!woke && !queue_head)
                goto done;
        }
        call = queue_head;
        if (!(queue_head = call->next))
            queue_tail = NULL;
        queued--;
        ReleaseSRWLockExclusive(&pool_lock);
        call_run(call, &self);
        AcquireSRWLockExclusive(&pool_lock);
    }
done:
    for (p = &threads; *p; p = &(*p)->next) {
        if (*p == &self) {
            *p = self.next;
            break;
        }
    }
    ReleaseSRWLockExclusive(&pool_lock);
    CoUninitialize();
    if (module)
        FreeLibraryAndExitThread(module, 0);
    return 0;
}

/* Hands a call to a caller thread (an idle one, else a new one). */
static BOOL pool_post(bitsdo_call *call)
{
    HANDLE thread = NULL;

    AcquireSRWLockExclusive(&pool_lock);
    if (queued + 1 > idle_threads) {
        thread = CreateThread(NULL, 0, caller_main, NULL, 0, NULL);
        if (!thread && !idle_threads) {
            ReleaseSRWLockExclusive(&pool_lock);
            return FALSE;
        }
    }
    call->next = NULL;
    if (queue_tail)
        queue_tail->next = call;
    else
        queue_head = call;
    queue_tail = call;
    queued++;
    WakeConditionVariable(&pool_cv);
    ReleaseSRWLockExclusive(&pool_lock);
    if (thread)
        CloseHandle(thread);
    return TRUE;
}

BOOL bitsdo_callback_serving(void *owner)
{
    pool_thread *t;
    BOOL found = FALSE;
    GUID cid;

    if (!owner || FAILED(CoGetCurrentLogicalThreadId(&cid)) || IsEqualGUID(&cid, &GUID_NULL))
        return FALSE;
    AcquireSRWLockShared(&pool_lock);
    for (t = threads; t && !found; t = t->next)
        found = t->owner == owner && IsEqualGUID(&t->cid, &cid);
    ReleaseSRWLockShared(&pool_lock);
    return found;
}

/* --- calls ----------------------------------------------------------------- */

static DWORD call_timeout_ms(void)
{
    WCHAR buf[16], *end;
    DWORD n = GetEnvironmentVariableW(L"BITSDO_CALLBACK_TIMEOUT_MS", buf, ARRAYSIZE(buf));
    unsigned long ms;

    if (!n || n >= ARRAYSIZE(buf))
        return BITSDO_CALLBACK_TIMEOUT_DEFAULT_MS;
    ms = wcstoul(buf, &end, 10);
    return *end || !ms ? BITSDO_CALLBACK_TIMEOUT_DEFAULT_MS : (DWORD)ms;
}

/* Waits for `event`, at most `ms`; a thread in an STA keeps serving COM
 * calls meanwhile (one could be for itself). TRUE if it was set. */
static BOOL wait_event(HANDLE event, DWORD ms)
{
    APTTYPEQUALIFIER qualifier;
    APTTYPE type;
    DWORD index;

    if (SUCCEEDED(CoGetApartmentType(&type, &qualifier)) && (type == APTTYPE_STA || type == APTTYPE_MAINSTA))
        return CoWaitForMultipleHandles(0, ms, 1, &event, &index) == S_OK;
    return WaitForSingleObject(event, ms) == WAIT_OBJECT_0;
}

static DWORD ms_left(ULONGLONG deadline)
{
    ULONGLONG now = GetTickCount64();

    return now < deadline ? (DWORD)(deadline - now) : 0;
}

HRESULT bitsdo_callback_call(bitsdo_callback_ref *ref, void *owner, REFIID iid, bitsdo_callback_fn fn,
                             void *arg, void (*free_arg)(void *arg))
{
    ULONGLONG deadline = GetTickCount64() + call_timeout_ms();
    bitsdo_call *call;
    BOOL stuck;
    HRESULT hr;

    if (!(call = calloc(1, sizeof(*call))) || !(call->done = CreateEventW(NULL, TRUE, FALSE, NULL))) {
        free(call);
        free_arg(arg);
        return E_OUTOFMEMORY;
    }
    call->refs = 2; /* ours and the caller thread's */
    call->state = CALL_PENDING;
    call->ref = ref;
    bitsdo_callback_ref_addref(ref);
    call->iid = *iid;
    call->fn = fn;
    call->arg = arg;
    call->free_arg = free_arg;
    call->owner = owner;

    /* One call at a time per holder: the client hears of events in order,
     * and a client that does not answer holds up one thread only. */
    for (;;) {
        AcquireSRWLockExclusive(&ref->lock);
        if (!ref->inflight) {
            ref->inflight = call;
            ResetEvent(ref->idle);
            ReleaseSRWLockExclusive(&ref->lock);
            break;
        }
        stuck = ref->inflight->state == CALL_ABANDONED;
        ReleaseSRWLockExclusive(&ref->lock);
        if (stuck || !wait_event(ref->idle, ms_left(deadline))) {
            hr = RPC_E_TIMEOUT;
            goto not_made;
        }
    }
    if (!pool_post(call)) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        AcquireSRWLockExclusive(&ref->lock);
        ref->inflight = NULL;
        SetEvent(ref->idle);
        ReleaseSRWLockExclusive(&ref->lock);
        goto not_made;
    }

    if (wait_event(call->done, ms_left(deadline))) {
        hr = call->hr;
    } else if (InterlockedCompareExchange(&call->state, CALL_ABANDONED, CALL_PENDING) == CALL_PENDING ||
               InterlockedCompareExchange(&call->state, CALL_ABANDONED, CALL_RUNNING) == CALL_RUNNING) {
        hr = RPC_E_TIMEOUT; /* the caller thread stays with it; nobody waits */
    } else {
        hr = call->hr; /* it ended just now (hr is written before DONE) */
    }
    call_release(call);
    return hr;

not_made:
    free_arg(arg);
    call->refs = 1;
    call_release(call);
    return hr;
}
