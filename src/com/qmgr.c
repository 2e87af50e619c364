/* IBackgroundCopyQMgr: the BITS 1.0 queue of groups (qmgr.h).
 *
 * The queue is process-wide, like the engine's job list: every group that
 * was created and not yet cancelled, complete ones included (BITS 1.0 keeps
 * a finished group, suspended, until CancelGroup removes it). It holds one
 * reference to each group's engine job. */
#include "legacy.h"

#include <stdlib.h>

#include "errors.h"

static SRWLOCK queue_lock = SRWLOCK_INIT;
static bitsdo_job **queue;
static ULONG queue_count, queue_cap;

/* With the queue lock held exclusively: drops groups cancelled behind our
 * back (through the modern IBackgroundCopyJob view). Their references go
 * to *dropped for release after the lock. */
static ULONG purge_gone(bitsdo_job **dropped, ULONG cap)
{
    ULONG i = 0, n = 0;

    while (i < queue_count) {
        if (n < cap && bitsdo_qm_phase_of(queue[i]) == BITSDO_QM_GONE) {
            dropped[n++] = queue[i];
            queue[i] = queue[--queue_count];
            continue;
        }
        i++;
    }
    return n;
}

static bitsdo_job *find_locked(const GUID *id)
{
    ULONG i;

    for (i = 0; i < queue_count; i++)
        if (!memcmp(queue[i]->rec.id, id, sizeof(*id)))
            return queue[i];
    return NULL;
}

/* Room for one more group; queue_lock held exclusively. */
static HRESULT make_room_locked(void)
{
    bitsdo_job **grown;
    ULONG cap;

    if (queue_count < queue_cap)
        return S_OK;
    cap = queue_cap ? queue_cap * 2 : 8;
    if (!(grown = realloc(queue, cap * sizeof(*queue))))
        return E_OUTOFMEMORY;
    queue = grown;
    queue_cap = cap;
    return S_OK;
}

HRESULT bitsdo_qm_queue_create(const GUID *id, bitsdo_job **out)
{
    bitsdo_job *dropped[8], *job = NULL;
    ULONG n, i;
    HRESULT hr = S_OK;

    AcquireSRWLockExclusive(&queue_lock);
    n = purge_gone(dropped, ARRAYSIZE(dropped));
    if (find_locked(id))
        hr = E_INVALIDARG; /* documented: a group with that GUID exists */
    if (SUCCEEDED(hr))
        hr = make_room_locked();
    if (SUCCEEDED(hr) && SUCCEEDED(hr = bitsdo_qm_group_new(id, &job))) {
        bitsdo_job_addref(job);
        queue[queue_count++] = job;
    }
    ReleaseSRWLockExclusive(&queue_lock);
    for (i = 0; i < n; i++) {
        bitsdo_job_facade_removed(dropped[i]);
        bitsdo_job_release(dropped[i]);
    }
    if (SUCCEEDED(hr))
        *out = job;
    return hr;
}

HRESULT bitsdo_qm_queue_adopt(bitsdo_job *job)
{
    HRESULT hr = S_OK;

    AcquireSRWLockExclusive(&queue_lock);
    if (find_locked((const GUID *)job->rec.id))
        hr = E_INVALIDARG;
    if (SUCCEEDED(hr))
        hr = make_room_locked();
    if (SUCCEEDED(hr)) {
        bitsdo_job_addref(job);
        queue[queue_count++] = job;
    }
    ReleaseSRWLockExclusive(&queue_lock);
    return hr;
}

HRESULT bitsdo_qm_queue_list(bitsdo_job ***jobs, ULONG *count)
{
    bitsdo_job **array;
    ULONG i, n = 0;

    AcquireSRWLockShared(&queue_lock);
    if (!(array = calloc(queue_count ? queue_count : 1, sizeof(*array)))) {
        ReleaseSRWLockShared(&queue_lock);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < queue_count; i++) {
        if (bitsdo_qm_phase_of(queue[i]) != BITSDO_QM_GONE) {
            bitsdo_job_addref(queue[i]);
            array[n++] = queue[i];
        }
    }
    ReleaseSRWLockShared(&queue_lock);
    *jobs = array;
    *count = n;
    return S_OK;
}

HRESULT bitsdo_qm_queue_find(const GUID *id, bitsdo_job **out)
{
    bitsdo_job *job;

    AcquireSRWLockShared(&queue_lock);
    job = find_locked(id);
    if (job && bitsdo_qm_phase_of(job) == BITSDO_QM_GONE)
        job = NULL;
    if (job)
        bitsdo_job_addref(job);
    ReleaseSRWLockShared(&queue_lock);
    if (!job)
        return BITSDO_QM_E_ITEM_NOT_FOUND;
    *out = job;
    return S_OK;
}

void bitsdo_qm_queue_remove(bitsdo_job *job)
{
    ULONG i;
    BOOL found = FALSE;

    AcquireSRWLockExclusive(&queue_lock);
    for (i = 0; i < queue_count; i++) {
        if (queue[i] == job) {
            queue[i] = queue[--queue_count];
            found = TRUE;
            break;
        }
    }
    ReleaseSRWLockExclusive(&queue_lock);
    if (found) {
        bitsdo_job_facade_removed(job); /* the store forgets it */
        bitsdo_job_release(job);
    }
}

HRESULT bitsdo_qm_queue_ids(GUID **ids, ULONG *count)
{
    GUID *array;
    ULONG i, n = 0;

    AcquireSRWLockShared(&queue_lock);
    if (!(array = calloc(queue_count ? queue_count : 1, sizeof(*array)))) {
        ReleaseSRWLockShared(&queue_lock);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < queue_count; i++)
        if (bitsdo_qm_phase_of(queue[i]) != BITSDO_QM_GONE)
            memcpy(&array[n++], queue[i]->rec.id, sizeof(GUID));
    ReleaseSRWLockShared(&queue_lock);
    *ids = array;
    *count = n;
    return S_OK;
}

/* --- IBackgroundCopyQMgr ----------------------------------------------- */

typedef struct bitsdo_qmgr {
    IBackgroundCopyQMgr IBackgroundCopyQMgr_iface;
    LONG refs;
} bitsdo_qmgr;

static bitsdo_qmgr *impl_from_IBackgroundCopyQMgr(IBackgroundCopyQMgr *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_qmgr, IBackgroundCopyQMgr_iface);
}

static HRESULT WINAPI qmgr_QueryInterface(IBackgroundCopyQMgr *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (!riid) {
        *out = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyQMgr)) {
        *out = iface;
        IBackgroundCopyQMgr_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI qmgr_AddRef(IBackgroundCopyQMgr *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyQMgr(iface)->refs);
}

static ULONG WINAPI qmgr_Release(IBackgroundCopyQMgr *iface)
{
    bitsdo_qmgr *qmgr = impl_from_IBackgroundCopyQMgr(iface);
    ULONG refs = InterlockedDecrement(&qmgr->refs);

    if (!refs) {
        free(qmgr);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI qmgr_CreateGroup(IBackgroundCopyQMgr *iface, GUID id, IBackgroundCopyGroup **out)
{
    bitsdo_job *job;
    HRESULT hr;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (FAILED(hr = bitsdo_qm_queue_create(&id, &job)))
        return hr;
    hr = bitsdo_group_object_create(job, out);
    if (FAILED(hr)) {
        /* No one can reach the group: take it out again. */
        bitsdo_qm_queue_remove(job);
        bitsdo_job_cancel(job);
    }
    bitsdo_job_release(job);
    return hr;
}

static HRESULT WINAPI qmgr_GetGroup(IBackgroundCopyQMgr *iface, GUID id, IBackgroundCopyGroup **out)
{
    bitsdo_job *job;
    HRESULT hr;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (FAILED(hr = bitsdo_qm_queue_find(&id, &job)))
        return hr;
    hr = bitsdo_group_object_create(job, out);
    bitsdo_job_release(job);
    return hr;
}

static HRESULT WINAPI qmgr_EnumGroups(IBackgroundCopyQMgr *iface, DWORD flags,
                                      IEnumBackgroundCopyGroups **out)
{
    GUID *ids;
    ULONG count;
    HRESULT hr;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (flags)
        return E_NOTIMPL; /* documented: dwFlags must be 0 */
    if (FAILED(hr = bitsdo_qm_queue_ids(&ids, &count)))
        return hr;
    return bitsdo_enum_groups_create(ids, count, out);
}

static const IBackgroundCopyQMgrVtbl qmgr_vtbl = {
    qmgr_QueryInterface,
    qmgr_AddRef,
    qmgr_Release,
    qmgr_CreateGroup,
    qmgr_GetGroup,
    qmgr_EnumGroups,
};

HRESULT bitsdo_qmgr_create(REFIID riid, void **out)
{
    bitsdo_qmgr *qmgr;
    HRESULT hr;

    if (!(qmgr = calloc(1, sizeof(*qmgr))))
        return E_OUTOFMEMORY;
    qmgr->IBackgroundCopyQMgr_iface.lpVtbl = &qmgr_vtbl;
    qmgr->refs = 1;
    bitsdo_module_addref();
    hr = IBackgroundCopyQMgr_QueryInterface(&qmgr->IBackgroundCopyQMgr_iface, riid, out);
    IBackgroundCopyQMgr_Release(&qmgr->IBackgroundCopyQMgr_iface);
    return hr;
}
