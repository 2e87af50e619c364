/* IBackgroundCopyJob1 (BITS 1.0, qmgr.h): the one job of a group. A group
 * holds one job (documented), so the job's files are the group's engine
 * files, in the same order and with the same indices, and its progress and
 * state are the group's.
 *
 * Documented facts followed here: AddFiles takes an array of FILESETINFO
 * pointers and answers E_INVALIDARG for a bad remote or local name (names
 * as AddFile checks them: URL up to 2,200 characters, full local path in an
 * existing folder); dwSizeHint is not used for the transfer (it is kept and
 * GetFile returns it as given); GetFile past the last file is
 * QM_E_ITEM_NOT_FOUND; GetStatus reports QM_STATUS_JOB_* with the Win32 and
 * HTTP results and the retry count, valid while in error; GetProgress as
 * the group's; CancelJob and SwitchToForeground are documented as not
 * implemented in BITS 1.0, and are not here either (E_NOTIMPL): cancel or
 * switch the group instead. */
#include "legacy.h"
#include "policy.h"

#include <stdlib.h>

#include "errors.h"
#include "names.h"

typedef struct bitsdo_job1_object {
    IBackgroundCopyJob1 IBackgroundCopyJob1_iface;
    LONG refs;
    bitsdo_job *job;
} bitsdo_job1_object;

static bitsdo_job1_object *impl_from_IBackgroundCopyJob1(IBackgroundCopyJob1 *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_job1_object, IBackgroundCopyJob1_iface);
}

static bitsdo_job *job_of(IBackgroundCopyJob1 *iface)
{
    return impl_from_IBackgroundCopyJob1(iface)->job;
}

static HRESULT WINAPI job1_QueryInterface(IBackgroundCopyJob1 *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (!riid) {
        *out = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyJob1)) {
        *out = iface;
        IBackgroundCopyJob1_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI job1_AddRef(IBackgroundCopyJob1 *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyJob1(iface)->refs);
}

static ULONG WINAPI job1_Release(IBackgroundCopyJob1 *iface)
{
    bitsdo_job1_object *object = impl_from_IBackgroundCopyJob1(iface);
    ULONG refs = InterlockedDecrement(&object->refs);

    if (!refs) {
        bitsdo_job_release(object->job);
        free(object);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI job1_CancelJob(IBackgroundCopyJob1 *iface)
{
    (void)iface;
    return E_NOTIMPL; /* documented as not implemented; CancelGroup cancels */
}

static HRESULT WINAPI job1_GetProgress(IBackgroundCopyJob1 *iface, DWORD flags, DWORD *out)
{
    return bitsdo_qm_get_progress(job_of(iface), flags, out);
}

static HRESULT WINAPI job1_GetStatus(IBackgroundCopyJob1 *iface, DWORD *status, DWORD *win32,
                                     DWORD *transport, DWORD *retries)
{
    bitsdo_job *job = job_of(iface);
    DWORD group;
    HRESULT hr;

    if (!status || !win32 || !transport || !retries)
        return E_POINTER;
    if (FAILED(hr = bitsdo_qm_group_status(job, &group)))
        return hr;
    if (group & QM_STATUS_GROUP_COMPLETE)
        *status = QM_STATUS_JOB_COMPLETE;
    else if (group & QM_STATUS_GROUP_ERROR)
        *status = QM_STATUS_JOB_ERROR;
    else
        *status = QM_STATUS_JOB_INCOMPLETE;
    bitsdo_qm_error_info(job, win32, transport, retries);
    return S_OK;
}

/* A BSTR whose length says more than its first NUL: the name would be cut
 * short, to a file or URL the caller did not give. */
static BOOL bstr_has_nul(BSTR s)
{
    return s && SysStringLen(s) != wcslen(s);
}

static HRESULT check_file(const FILESETINFO *info)
{
    if (!info)
        return E_INVALIDARG;
    if (bstr_has_nul(info->bstrRemoteFile) || bstr_has_nul(info->bstrLocalFile))
        return E_INVALIDARG;
    return bitsdo_job_check_names(info->bstrRemoteFile, info->bstrLocalFile);
}

/* Keeps the caller's size hint for file `index`. */
static void keep_hint(bitsdo_qm_group *g, uint32_t index, DWORD hint)
{
    DWORD *grown;
    uint32_t cap;

    AcquireSRWLockExclusive(&g->lock);
    if (index >= g->hint_count) {
        cap = index + 1 > BITSDO_DEFAULT_FILES_PER_JOB ? index + 1 : BITSDO_DEFAULT_FILES_PER_JOB;
        if ((grown = realloc(g->size_hints, cap * sizeof(*grown)))) {
            memset(grown + g->hint_count, 0, (cap - g->hint_count) * sizeof(*grown));
            g->size_hints = grown;
            g->hint_count = cap;
        }
    }
    if (index < g->hint_count)
        g->size_hints[index] = hint;
    ReleaseSRWLockExclusive(&g->lock);
}

static HRESULT WINAPI job1_AddFiles(IBackgroundCopyJob1 *iface, ULONG count, FILESETINFO **files)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    uint32_t have, index, max_files;
    ULONG i;
    HRESULT hr = S_OK;

    if (!files)
        return E_INVALIDARG;
    /* All or nothing: every name is checked before any file is added. */
    for (i = 0; i < count; i++)
        if (FAILED(hr = check_file(files[i])))
            return hr;
    AcquireSRWLockShared(&job->lock);
    have = job->rec.file_count;
    ReleaseSRWLockShared(&job->lock);
    max_files = bitsdo_policy_bits_limit(BITSDO_LIMIT_FILES_PER_JOB);
    if (have > max_files || count > max_files - have)
        return BITSDO_BG_E_TOO_MANY_FILES_IN_JOB;
    /* No two files to one final file (in the set or with the job's). */
    if (count) {
        const WCHAR **locals = malloc(count * sizeof(*locals));
        if (!locals)
            return E_OUTOFMEMORY;
        for (i = 0; i < count; i++)
            locals[i] = files[i]->bstrLocalFile;
        hr = bitsdo_job_check_new_locals(job, locals, count);
        free(locals);
        if (FAILED(hr))
            return hr;
    }

    /* Excludes the group completing itself between two of our files. */
    AcquireSRWLockExclusive(&g->commit_lock);
    if (bitsdo_qm_phase_of(job) != BITSDO_QM_ACTIVE)
        hr = BITSDO_QM_E_INVALID_STATE;
    for (i = 0; i < count && SUCCEEDED(hr); i++) {
        hr = bitsdo_job_add_checked_file(
            job, files[i]->bstrRemoteFile, files[i]->bstrLocalFile, NULL, 0, max_files);
        if (FAILED(hr))
            break;
        AcquireSRWLockShared(&job->lock);
        index = job->rec.file_count - 1;
        ReleaseSRWLockShared(&job->lock);
        keep_hint(g, index, files[i]->dwSizeHint);
    }
    ReleaseSRWLockExclusive(&g->commit_lock);
    if (i)
        bitsdo_job_facade_changed(job); /* the size hints */
    return bitsdo_qm_result(hr);
}

static HRESULT WINAPI job1_GetFile(IBackgroundCopyJob1 *iface, ULONG index, FILESETINFO *out)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_qm_group *g = bitsdo_qm_group_of(job);
    BSTR remote = NULL, local = NULL;
    DWORD hint = 0;
    BOOL found;

    if (!out)
        return E_POINTER;
    AcquireSRWLockShared(&job->lock);
    if ((found = index < job->rec.file_count)) {
        remote = SysAllocString((const WCHAR *)job->rec.files[index]->remote_name);
        local = SysAllocString((const WCHAR *)job->rec.files[index]->local_name);
    }
    ReleaseSRWLockShared(&job->lock);
    if (!found)
        return BITSDO_QM_E_ITEM_NOT_FOUND;
    if (!remote || !local) {
        SysFreeString(remote);
        SysFreeString(local);
        return E_OUTOFMEMORY;
    }
    AcquireSRWLockShared(&g->lock);
    if (index < g->hint_count)
        hint = g->size_hints[index];
    ReleaseSRWLockShared(&g->lock);
    out->bstrRemoteFile = remote;
    out->bstrLocalFile = local;
    out->dwSizeHint = hint;
    return S_OK;
}

static HRESULT WINAPI job1_GetFileCount(IBackgroundCopyJob1 *iface, DWORD *out)
{
    bitsdo_job *job = job_of(iface);

    if (!out)
        return E_POINTER;
    AcquireSRWLockShared(&job->lock);
    *out = job->rec.file_count;
    ReleaseSRWLockShared(&job->lock);
    return S_OK;
}

static HRESULT WINAPI job1_SwitchToForeground(IBackgroundCopyJob1 *iface)
{
    (void)iface;
    return E_NOTIMPL; /* documented as not implemented; the group's method is */
}

static HRESULT WINAPI job1_get_JobID(IBackgroundCopyJob1 *iface, GUID *out)
{
    bitsdo_qm_group *g = bitsdo_qm_group_of(job_of(iface));

    if (!out)
        return E_POINTER;
    AcquireSRWLockShared(&g->lock);
    *out = g->job_id;
    ReleaseSRWLockShared(&g->lock);
    return S_OK;
}

static const IBackgroundCopyJob1Vtbl job1_vtbl = {
    job1_QueryInterface,
    job1_AddRef,
    job1_Release,
    job1_CancelJob,
    job1_GetProgress,
    job1_GetStatus,
    job1_AddFiles,
    job1_GetFile,
    job1_GetFileCount,
    job1_SwitchToForeground,
    job1_get_JobID,
};

HRESULT bitsdo_job1_object_create(bitsdo_job *job, IBackgroundCopyJob1 **out)
{
    bitsdo_job1_object *object;

    if (!(object = calloc(1, sizeof(*object))))
        return E_OUTOFMEMORY;
    object->IBackgroundCopyJob1_iface.lpVtbl = &job1_vtbl;
    object->refs = 1;
    object->job = job;
    bitsdo_job_addref(job);
    bitsdo_module_addref();
    *out = &object->IBackgroundCopyJob1_iface;
    return S_OK;
}
