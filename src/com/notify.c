/* Delivery of engine events to a BITS-style job's listener: the
 * IBackgroundCopyCallback (and Callback2) set with SetNotifyInterface, or
 * the program set with SetNotifyCmdLine, as the notify flags ask. Runs on
 * the job's worker thread with no engine lock held; the listener itself is
 * called in its own apartment, bounded (src/transfer/callback_ref.h). */
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

/* One call to the listener, made on a caller thread (callback_ref.h): what
 * to call and the views to pass, released once the call is over. */
typedef struct bits_call {
    bitsdo_event event;
    IBackgroundCopyJob *view;
    IBackgroundCopyError *error;   /* JobError */
    IBackgroundCopyFile *file;     /* FileTransferred */
} bits_call;

static void bits_call_free(void *arg)
{
    bits_call *call = arg;

    if (call->file)
        IBackgroundCopyFile_Release(call->file);
    if (call->error)
        IBackgroundCopyError_Release(call->error);
    if (call->view)
        IBackgroundCopyJob_Release(call->view);
    free(call);
}

static HRESULT bits_call_run(IUnknown *iface, void *arg)
{
    bits_call *call = arg;

    switch (call->event) {
    case BITSDO_EVENT_TRANSFERRED:
        return IBackgroundCopyCallback_JobTransferred((IBackgroundCopyCallback *)iface, call->view);
    case BITSDO_EVENT_ERROR:
        return IBackgroundCopyCallback_JobError((IBackgroundCopyCallback *)iface, call->view, call->error);
    case BITSDO_EVENT_FILE_DONE:
        return IBackgroundCopyCallback2_FileTransferred((IBackgroundCopyCallback2 *)iface, call->view,
                                                        call->file);
    default:
        return IBackgroundCopyCallback_JobModification((IBackgroundCopyCallback *)iface, call->view, 0);
    }
}

/* Calls the listener for `event` in its apartment, bounded. */
static HRESULT bits_call_listener(bitsdo_job *job, bitsdo_callback_ref *listener, bitsdo_event event,
                                  uint32_t index)
{
    REFIID iid = event == BITSDO_EVENT_FILE_DONE ? &IID_IBackgroundCopyCallback2 : &IID_IBackgroundCopyCallback;
    bits_call *call;
    HRESULT hr;

    if (!(call = calloc(1, sizeof(*call))))
        return E_OUTOFMEMORY;
    call->event = event;
    hr = bitsdo_job_object_create(job, &IID_IBackgroundCopyJob, (void **)&call->view);
    if (SUCCEEDED(hr) && event == BITSDO_EVENT_ERROR)
        hr = bitsdo_error_object_create(job, &call->error);
    if (SUCCEEDED(hr) && event == BITSDO_EVENT_FILE_DONE)
        hr = bitsdo_file_object_create(job, index, &call->file);
    if (FAILED(hr)) {
        bits_call_free(call);
        return hr;
    }
    return bitsdo_callback_call(listener, job, iid, bits_call_run, call, bits_call_free);
}

static BOOL bits_deliver(bitsdo_job *job, bitsdo_event event, uint32_t index)
{
    bitsdo_callback_ref *listener;
    ULONG flags;
    BOOL has_program;
    HRESULT hr = E_FAIL;

    AcquireSRWLockShared(&job->lock);
    flags = job->rec.notify_flags;
    has_program = job->rec.notify_program != NULL;
    ReleaseSRWLockShared(&job->lock);
    if (flags & BG_NOTIFY_DISABLE)
        return TRUE;

    listener = bitsdo_job_get_notify(job);
    switch (event) {
    case BITSDO_EVENT_TRANSFERRED:
    case BITSDO_EVENT_ERROR:
        if (!(flags & (event == BITSDO_EVENT_TRANSFERRED ? BG_NOTIFY_JOB_TRANSFERRED : BG_NOTIFY_JOB_ERROR)))
            break;
        /* A call that timed out or reached an apartment that is gone failed
         * like any other: the engine calls again after the retry delay. */
        if (listener)
            hr = bits_call_listener(job, listener, event, 0);
        /* The program stands in when there is no callback or it failed. */
        if (FAILED(hr) && has_program && run_program(job))
            hr = S_OK;
        if (FAILED(hr) && (listener || has_program)) {
            if (listener)
                bitsdo_callback_ref_release(listener);
            return FALSE; /* called again after the retry delay */
        }
        break;
    case BITSDO_EVENT_STATE:
    case BITSDO_EVENT_PROGRESS:
    case BITSDO_EVENT_MODIFIED:
        /* Not retried: a listener that did not answer misses it. */
        if (listener && (flags & BG_NOTIFY_JOB_MODIFICATION))
            bits_call_listener(job, listener, BITSDO_EVENT_MODIFIED, 0);
        break;
    case BITSDO_EVENT_FILE_DONE:
        /* Only a listener with IBackgroundCopyCallback2 hears of files. */
        if (listener && (flags & BG_NOTIFY_FILE_TRANSFERRED))
            bits_call_listener(job, listener, event, index);
        break;
    }
    if (listener)
        bitsdo_callback_ref_release(listener);
    return TRUE;
}

const bitsdo_job_events bitsdo_bits_events = {
    bits_deliver,
    NULL,
    NULL, /* BG_JOB_STATE is the engine state */
};
