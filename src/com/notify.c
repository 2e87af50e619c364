/* Delivery of engine events to a BITS-style job's listener: the
 * IBackgroundCopyCallback (and Callback2) set with SetNotifyInterface, or
 * the program set with SetNotifyCmdLine, as the notify flags ask. Runs on
 * the job's worker thread with no engine lock held. */
#include "objects.h"

#include <stdlib.h>

static BOOL run_program(bitsdo_job *job)
{
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    WCHAR *program = NULL, *params = NULL;
    BOOL ok = FALSE;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    AcquireSRWLockShared(&job->lock);
    if (job->rec.notify_program) {
        program = _wcsdup((const WCHAR *)job->rec.notify_program);
        params = job->rec.notify_parameters ? _wcsdup((const WCHAR *)job->rec.notify_parameters) : NULL;
    }
    ReleaseSRWLockShared(&job->lock);
    if (program && CreateProcessW(program, params, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL,
                                  &si, &pi)) {
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
        ok = TRUE;
    }
    free(program);
    free(params);
    return ok;
}

static BOOL bits_deliver(bitsdo_job *job, bitsdo_event event, uint32_t index)
{
    IBackgroundCopyCallback *callback;
    IBackgroundCopyCallback2 *callback2;
    IBackgroundCopyJob *view = NULL;
    IBackgroundCopyError *error;
    IBackgroundCopyFile *file;
    ULONG flags;
    BOOL has_program;
    HRESULT hr = E_FAIL;

    AcquireSRWLockShared(&job->lock);
    flags = job->rec.notify_flags;
    has_program = job->rec.notify_program != NULL;
    ReleaseSRWLockShared(&job->lock);
    if (flags & BG_NOTIFY_DISABLE)
        return TRUE;

    callback = (IBackgroundCopyCallback *)bitsdo_job_get_notify(job);
    switch (event) {
    case BITSDO_EVENT_TRANSFERRED:
    case BITSDO_EVENT_ERROR:
        if (!(flags & (event == BITSDO_EVENT_TRANSFERRED ? BG_NOTIFY_JOB_TRANSFERRED : BG_NOTIFY_JOB_ERROR)))
            break;
        if (callback && SUCCEEDED(bitsdo_job_object_create(job, &IID_IBackgroundCopyJob, (void **)&view))) {
            if (event == BITSDO_EVENT_TRANSFERRED) {
                hr = IBackgroundCopyCallback_JobTransferred(callback, view);
            } else if (SUCCEEDED(hr = bitsdo_error_object_create(job, &error))) {
                hr = IBackgroundCopyCallback_JobError(callback, view, error);
                IBackgroundCopyError_Release(error);
            }
            IBackgroundCopyJob_Release(view);
        }
        /* The program stands in when there is no callback or it failed. */
        if (FAILED(hr) && has_program && run_program(job))
            hr = S_OK;
        if (FAILED(hr) && (callback || has_program)) {
            if (callback)
                IBackgroundCopyCallback_Release(callback);
            return FALSE; /* called again after the retry delay */
        }
        break;
    case BITSDO_EVENT_STATE:
    case BITSDO_EVENT_PROGRESS:
    case BITSDO_EVENT_MODIFIED:
        if (!callback || !(flags & BG_NOTIFY_JOB_MODIFICATION))
            break;
        if (SUCCEEDED(bitsdo_job_object_create(job, &IID_IBackgroundCopyJob, (void **)&view))) {
            IBackgroundCopyCallback_JobModification(callback, view, 0);
            IBackgroundCopyJob_Release(view);
        }
        break;
    case BITSDO_EVENT_FILE_DONE:
        if (!callback || !(flags & BG_NOTIFY_FILE_TRANSFERRED))
            break;
        if (SUCCEEDED(IBackgroundCopyCallback_QueryInterface(callback, &IID_IBackgroundCopyCallback2,
                                                             (void **)&callback2))) {
            if (SUCCEEDED(bitsdo_job_object_create(job, &IID_IBackgroundCopyJob, (void **)&view))) {
                if (SUCCEEDED(bitsdo_file_object_create(job, index, &file))) {
                    IBackgroundCopyCallback2_FileTransferred(callback2, view, file);
                    IBackgroundCopyFile_Release(file);
                }
                IBackgroundCopyJob_Release(view);
            }
            IBackgroundCopyCallback2_Release(callback2);
        }
        break;
    }
    if (callback)
        IBackgroundCopyCallback_Release(callback);
    return TRUE;
}

const bitsdo_job_events bitsdo_bits_events = {
    bits_deliver,
    NULL,
    NULL, /* BG_JOB_STATE is the engine state */
};
