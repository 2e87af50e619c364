/* IDODownload: the Delivery Optimization download, a COM view of an engine
 * job that carries the DO events below. Several views may exist for one
 * download (CreateDownload, EnumDownloads, callbacks); what belongs to the
 * download lives in the engine job and in the bitsdo_do_ctx it owns
 * (events_ctx), guarded by the job's lock. */
#include "objects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wincrypt.h>

#include "errors.h"
#include "jobref.h"
#include "names.h"
#include "transport_http.h"
#include "wstr.h"

#ifndef E_NOT_SET /* winerror.h of newer SDKs: a property never set */
#define E_NOT_SET HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
#endif

#define BITSDO_DO_MIN_NO_PROGRESS_TIMEOUT 60
#define BITSDO_DO_DEFAULT_CALLBACK_SECONDS 1
#define BITSDO_DO_MAX_URI_CHARS 2200

/* What a DO download has besides its engine job. */
typedef struct bitsdo_do_ctx {
    WCHAR *uri;
    WCHAR *local_path;
    WCHAR *correlation_vector;
    /* StreamInterface: the caller's stream (ISequentialStream, which every
     * IStream is), or NULL for a download to LocalPath. The engine still
     * downloads into a hidden temp file (resume, restarts, size checks all
     * as for a file), whose "local name" is stream_path in %TEMP%; once every
     * byte is in, do_file_sink copies it into the stream in order, on the
     * worker thread, before the download reads Transferred. Finalize then
     * deletes stream_path: no file is left behind. Set before Start only;
     * released by Finalize/Abort once the worker is idle, or do_release. */
    ISequentialStream *stream;
    WCHAR *stream_path;
    BOOL stream_done;             /* a whole file went into the stream already */
    uint32_t stream_ranges;       /* ranges (of the file's, in order) streamed */
    UINT64 stream_bytes;          /* bytes of the next piece streamed already */
    ULONG callback_freq_percent;  /* 0: not by percentage */
    ULONG callback_freq_seconds;
    ULONG cost_policy;
    BOOL blocking;
    BOOL integrity_mandatory;
    BOOL disallow_cellular;
    BOOL non_volatile;            /* NonVolatile: the host keeps it in its store */
    UINT64 total_size;
    BOOL total_size_set;
    BOOL started;                 /* the file is in the job */
    BOOL finalized;
    BOOL aborted;
    HANDLE changed;               /* auto-reset: the state changed */
    /* what the callback last heard, for the frequency rules */
    DODownloadState last_state;
    BOOL notified_once;
    ULONGLONG last_tick;
    UINT64 last_bytes;
} bitsdo_do_ctx;

typedef struct bitsdo_dodownload {
    IDODownload IDODownload_iface;
    bitsdo_marshal_host marshal; /* IMarshal: custom for other processes */
    LONG refs;
    bitsdo_job *job;
} bitsdo_dodownload;

static bitsdo_dodownload *impl_from_IDODownload(IDODownload *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_dodownload, IDODownload_iface);
}

static bitsdo_job *job_of(IDODownload *iface)
{
    return impl_from_IDODownload(iface)->job;
}

static bitsdo_do_ctx *ctx_of(bitsdo_job *job)
{
    return job->events_ctx;
}

static WCHAR *wcsdup_or_null(const WCHAR *s)
{
    return s ? (WCHAR *)bitsdo_wcsdup((const bitsdo_wchar *)s) : NULL;
}

/* --- status ----------------------------------------------------------------- */

/* With the lock held (shared is enough). */
static DODownloadState do_state_locked(bitsdo_job *job)
{
    bitsdo_do_ctx *ctx = ctx_of(job);

    if (ctx->finalized || job->rec.state == BITSDO_STATE_ACKNOWLEDGED)
        return DODownloadState_Finalized;
    if (ctx->aborted || job->rec.state == BITSDO_STATE_CANCELLED)
        return DODownloadState_Aborted;
    switch (job->rec.state) {
    case BITSDO_STATE_QUEUED:
    case BITSDO_STATE_CONNECTING:
    case BITSDO_STATE_TRANSFERRING:
        return DODownloadState_Transferring;
    case BITSDO_STATE_TRANSFERRED:
        return DODownloadState_Transferred;
    case BITSDO_STATE_SUSPENDED:
        return ctx->started ? DODownloadState_Paused : DODownloadState_Created;
    default: /* ERROR, TRANSIENT_ERROR: paused with an error to report */
        return DODownloadState_Paused;
    }
}

/* The engine speaks BG_E_*; where DO has its own code for the same
 * thing, a DO caller hears that. */
static HRESULT do_error(HRESULT hr)
{
    switch (hr) {
    case BITSDO_BG_E_INVALID_RANGE:
        return BITSDO_DO_E_INVALID_RANGE;
    case BITSDO_BG_E_OVERLAPPING_RANGES:
        return BITSDO_DO_E_OVERLAPPING_RANGES;
    case BITSDO_BG_E_INSUFFICIENT_RANGE_SUPPORT:
        return BITSDO_DO_E_INSUFFICIENT_RANGE_SUPPORT;
    case BITSDO_BG_E_INVALID_STATE:
        return BITSDO_DO_E_INVALID_STATE;
    default:
        return hr;
    }
}

static void read_status(bitsdo_job *job, DO_DOWNLOAD_STATUS *status)
{
    bitsdo_progress p;

    bitsdo_counters_read(&job->rec.counters, &p);
    AcquireSRWLockShared(&job->lock);
    status->State = do_state_locked(job);
    if (job->rec.state == BITSDO_STATE_ERROR || job->rec.state == BITSDO_STATE_TRANSIENT_ERROR)
        status->Error = do_error(job->rec.error_hr);
    else
        status->Error = S_OK;
    status->ExtendedError = S_OK;
    ReleaseSRWLockShared(&job->lock);
    /* An unknown size reads as 0 (nothing known to be total yet). */
    status->BytesTotal = p.bytes_total == BITSDO_SIZE_UNKNOWN ? 0 : p.bytes_total;
    status->BytesTransferred = p.bytes_transferred;
}

/* --- engine events ---------------------------------------------------------- */

/* One OnStatusChange, made on a caller thread: the view and the status it
 * reports, freed once the call is over. */
typedef struct do_call {
    IDODownload *view;
    DO_DOWNLOAD_STATUS status;
} do_call;

static HRESULT do_call_run(IUnknown *iface, void *arg)
{
    do_call *call = arg;

    return IDODownloadStatusCallback_OnStatusChange((IDODownloadStatusCallback *)iface, call->view,
                                                    &call->status);
}

static void do_call_free(void *arg)
{
    do_call *call = arg;

    IDODownload_Release(call->view);
    free(call);
}

/* Runs on the worker thread, no engine lock held. State changes always
 * reach the callback; progress only as CallbackFreqPercent/Seconds allow. */
static BOOL do_deliver(bitsdo_job *job, bitsdo_event event, uint32_t file)
{
    bitsdo_do_ctx *ctx = ctx_of(job);
    bitsdo_callback_ref *listener;
    do_call *dc;
    DO_DOWNLOAD_STATUS status;
    ULONGLONG now = GetTickCount64();
    BOOL call = FALSE;

    (void)file;
    if (event == BITSDO_EVENT_MODIFIED || event == BITSDO_EVENT_FILE_DONE)
        return TRUE;
    if (event != BITSDO_EVENT_PROGRESS)
        SetEvent(ctx->changed);
    read_status(job, &status);

    AcquireSRWLockExclusive(&job->lock);
    if (!ctx->notified_once || status.State != ctx->last_state) {
        call = TRUE;
    } else if (event == BITSDO_EVENT_PROGRESS && status.BytesTransferred != ctx->last_bytes) {
        if (ctx->callback_freq_percent && status.BytesTotal) {
            UINT64 step = status.BytesTotal / 100 * ctx->callback_freq_percent;
            if (!step)
                step = 1;
            if (status.BytesTransferred - ctx->last_bytes >= step ||
                status.BytesTransferred == status.BytesTotal)
                call = TRUE;
        }
        if (ctx->callback_freq_seconds &&
            now - ctx->last_tick >= (ULONGLONG)ctx->callback_freq_seconds * 1000u)
            call = TRUE;
    }
    if (call) {
        ctx->notified_once = TRUE;
        ctx->last_state = status.State;
        ctx->last_tick = now;
        ctx->last_bytes = status.BytesTransferred;
    }
    ReleaseSRWLockExclusive(&job->lock);
    if (!call)
        return TRUE;

    if (!(listener = bitsdo_job_get_notify(job)))
        return TRUE;
    if ((dc = malloc(sizeof(*dc))) &&
        SUCCEEDED(bitsdo_dodownload_create(job, &IID_IDODownload, (void **)&dc->view))) {
        dc->status = status;
        /* In the listener's apartment, bounded (callback_ref.h). */
        bitsdo_callback_call(listener, job, &IID_IDODownloadStatusCallback, do_call_run, dc, do_call_free);
    } else {
        free(dc);
    }
    bitsdo_callback_ref_release(listener);
    return TRUE; /* DO does not retry status callbacks */
}

/* Writes bytes [from, from + len) of `temp` to the stream, skipping the
 * first *done of them (written by an earlier attempt) and counting in
 * *done what went out. len BITSDO_SIZE_UNKNOWN: to the end of the file. */
static HRESULT stream_piece(bitsdo_job *job, LONG gen, HANDLE temp, ISequentialStream *stream, BYTE *buf,
                            UINT64 from, UINT64 len, UINT64 *done)
{
    OVERLAPPED ov;
    UINT64 pos;
    DWORD got, want;
    ULONG put;
    HRESULT hr;

    for (;;) {
        if (len != BITSDO_SIZE_UNKNOWN && *done >= len)
            return S_OK;
        if (bitsdo__read_long(&job->run_gen) != gen)
            return E_ABORT;
        pos = from + *done;
        want = 65536;
        if (len != BITSDO_SIZE_UNKNOWN && len - *done < want)
            want = (DWORD)(len - *done);
        memset(&ov, 0, sizeof(ov));
        ov.Offset = (DWORD)pos;
        ov.OffsetHigh = (DWORD)(pos >> 32);
        if (!ReadFile(temp, buf, want, &got, &ov)) {
            if (GetLastError() != ERROR_HANDLE_EOF)
                return HRESULT_FROM_WIN32(GetLastError());
            got = 0;
        }
        if (!got) /* the end of the file: fine for "to the end", short otherwise */
            return len == BITSDO_SIZE_UNKNOWN ? S_OK : HRESULT_FROM_WIN32(ERROR_HANDLE_EOF);
        put = 0;
        if (FAILED(hr = ISequentialStream_Write(stream, buf, got, &put)))
            return hr;
        if (put != got)
            return STG_E_MEDIUMFULL;
        *done += got;
    }
}

/* The engine's file_sink for a stream download: every byte asked for is in
 * `temp`; write them to the caller's stream in order. A whole file goes
 * from its first byte; ranges (DO downloads keep each range at its own
 * offset of the file) go one after the other in the order they were asked
 * for, each from its offset, a DO_LENGTH_TO_EOF one to the end of the file.
 * Runs on the job's worker thread (as the status callbacks do): the stream
 * is called from that thread, not the one that set it, so it must be
 * callable from any thread (free-threaded; a stream from
 * CreateStreamOnHGlobal is). What went out is counted (stream_ranges,
 * stream_bytes), so a retried run, or a later Start with more ranges,
 * writes only what the stream has not had: never a byte twice. */
static HRESULT do_file_sink(bitsdo_job *job, uint32_t index, HANDLE temp, LONG gen)
{
    bitsdo_do_ctx *ctx = ctx_of(job);
    const bitsdo_file_rec *file;
    ISequentialStream *stream;
    bitsdo_range *ranges = NULL;
    uint32_t count = 0, next, i;
    UINT64 done;
    BYTE *buf;
    BOOL whole;
    HRESULT hr = S_OK;

    AcquireSRWLockShared(&job->lock);
    /* Stable while the worker runs: fixed once started, and let go only
     * after the worker went idle (Finalize, Abort) or with the job. */
    stream = ctx->stream;
    file = index < job->rec.file_count ? job->rec.files[index] : NULL;
    whole = file && !file->ranges;
    next = ctx->stream_ranges;
    done = ctx->stream_bytes;
    if (file && file->ranges && file->range_count > next) {
        count = file->range_count - next;
        if ((ranges = malloc(count * sizeof(*ranges))))
            memcpy(ranges, file->ranges + next, count * sizeof(*ranges));
    }
    if (whole && ctx->stream_done)
        stream = NULL;
    ReleaseSRWLockShared(&job->lock);
    if (!stream || (!whole && !count))
        return S_OK;
    if ((!whole && !ranges) || !(buf = malloc(65536))) {
        free(ranges);
        return E_OUTOFMEMORY;
    }
    if (whole) {
        hr = stream_piece(job, gen, temp, stream, buf, 0, BITSDO_SIZE_UNKNOWN, &done);
        AcquireSRWLockExclusive(&job->lock);
        ctx->stream_bytes = hr == S_OK ? 0 : done;
        if (hr == S_OK)
            ctx->stream_done = TRUE;
        ReleaseSRWLockExclusive(&job->lock);
    } else {
        for (i = 0; i < count && hr == S_OK; i++) {
            UINT64 len = ranges[i].length == BG_LENGTH_TO_EOF ? BITSDO_SIZE_UNKNOWN : ranges[i].length;

            hr = stream_piece(job, gen, temp, stream, buf, ranges[i].offset, len, &done);
            AcquireSRWLockExclusive(&job->lock);
            if (hr == S_OK) {
                ctx->stream_ranges++;
                ctx->stream_bytes = done = 0;
            } else {
                ctx->stream_bytes = done;
            }
            ReleaseSRWLockExclusive(&job->lock);
        }
    }
    free(buf);
    free(ranges);
    return hr;
}

/* Lets go of the stream (after the worker went idle) and removes the
 * finished file of a stream download from %TEMP%. */
static void drop_stream(bitsdo_job *job)
{
    bitsdo_do_ctx *ctx = ctx_of(job);
    ISequentialStream *stream;

    AcquireSRWLockExclusive(&job->lock);
    stream = ctx->stream;
    ctx->stream = NULL;
    ReleaseSRWLockExclusive(&job->lock);
    if (ctx->stream_path)
        DeleteFileW(ctx->stream_path);
    if (stream)
        ISequentialStream_Release(stream);
}

static void do_release(bitsdo_job *job)
{
    bitsdo_do_ctx *ctx = ctx_of(job);

    if (!ctx)
        return;
    if (ctx->stream)
        ISequentialStream_Release(ctx->stream);
    free(ctx->stream_path);
    free(ctx->uri);
    free(ctx->local_path);
    free(ctx->correlation_vector);
    if (ctx->changed)
        CloseHandle(ctx->changed);
    free(ctx);
    job->events_ctx = NULL;
}

/* Host mode: the slot of the progress mapping says what GetStatus says
 * (with the lock held, as do_state_locked). */
static void do_public_state(bitsdo_job *job, uint32_t *state, uint32_t *error)
{
    *state = (uint32_t)do_state_locked(job);
    *error = *error ? (uint32_t)do_error((HRESULT)*error) : 0;
}

const bitsdo_job_events bitsdo_do_events = {
    do_deliver,
    do_release,
    do_public_state,
};

/* --- IUnknown --------------------------------------------------------------- */

static HRESULT WINAPI dodownload_QueryInterface(IDODownload *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDODownload)) {
        *out = iface;
        IDODownload_AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IMarshal) && bitsdo_marshal_host_wanted(&impl_from_IDODownload(iface)->marshal)) {
        *out = &impl_from_IDODownload(iface)->marshal.IMarshal_iface;
        IDODownload_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI dodownload_AddRef(IDODownload *iface)
{
    return InterlockedIncrement(&impl_from_IDODownload(iface)->refs);
}

static ULONG WINAPI dodownload_Release(IDODownload *iface)
{
    bitsdo_dodownload *download = impl_from_IDODownload(iface);
    ULONG refs = InterlockedDecrement(&download->refs);

    if (!refs) {
        bitsdo_job_release(download->job);
        free(download);
        bitsdo_module_release();
    }
    return refs;
}

/* --- property checks ----------------------------------------------------------- */

/* The Win32 error of a LocalPath that is not a usable path: DO reports
 * Windows errors as HRESULT_FROM_WIN32 (its "return values" page). Too long
 * is ERROR_FILENAME_EXCED_RANGE; anything else that is not a full path
 * without wildcards, streams or device names is ERROR_INVALID_NAME, what
 * CreateFile says of such a name. An empty string is no path at all. */
static HRESULT local_path_error(const WCHAR *path)
{
    if (!*path)
        return E_INVALIDARG;
    if (wcslen(path) > BITSDO_MAX_LOCAL_NAME)
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    return HRESULT_FROM_WIN32(ERROR_INVALID_NAME);
}

/* DODownloadProperty_SecurityContext: the bytes of a CERT_CONTEXT, as a
 * serialized store element (CertSerializeCertificateStoreElement) or the
 * certificate's encoding. S_OK if they make a certificate, else the
 * certificate API's error (CRYPT_E_ASN1_* for garbage). */
static HRESULT check_certificate(SAFEARRAY *array)
{
    const CERT_CONTEXT *cert = NULL;
    HCERTSTORE store;
    LONG lo, hi;
    BYTE *data;
    DWORD size, err;
    HRESULT hr;

    if (!array || SafeArrayGetDim(array) != 1 || FAILED(SafeArrayGetLBound(array, 1, &lo)) ||
        FAILED(SafeArrayGetUBound(array, 1, &hi)) || hi < lo)
        return E_INVALIDARG;
    size = (DWORD)(hi - lo + 1);
    if (FAILED(hr = SafeArrayAccessData(array, (void **)&data)))
        return hr;
    store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, NULL);
    if (store && CertAddSerializedElementToStore(store, data, size, CERT_STORE_ADD_ALWAYS, 0,
                                                 CERT_STORE_CERTIFICATE_CONTEXT_FLAG, NULL,
                                                 (const void **)&cert)) {
        hr = S_OK;
    } else if ((cert = CertCreateCertificateContext(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, data, size))) {
        hr = S_OK;
    } else {
        err = GetLastError();
        hr = err ? HRESULT_FROM_WIN32(err) : CRYPT_E_ASN1_BADTAG;
    }
    if (cert)
        CertFreeCertificateContext(cert);
    if (store)
        CertCloseStore(store, 0);
    SafeArrayUnaccessData(array);
    return hr;
}

/* --- Start / Pause / Abort / Finalize ----------------------------------------- */

/* Creates the folders of a local path that do not exist yet (DO creates
 * LocalPath's folder under the caller's rights). */
static HRESULT make_parent_dirs(const WCHAR *path)
{
    size_t len = bitsdo_local_dir_len((const bitsdo_wchar *)path), i;
    WCHAR *dir;
    HRESULT hr = S_OK;

    if (!len)
        return E_INVALIDARG;
    if (!(dir = malloc((len + 1) * sizeof(WCHAR))))
        return E_OUTOFMEMORY;
    memcpy(dir, path, len * sizeof(WCHAR));
    dir[len] = 0;
    for (i = 3; i <= len && SUCCEEDED(hr); i++) {
        if (i < len && dir[i] != L'\\' && dir[i] != L'/')
            continue;
        dir[i] = 0;
        if (!CreateDirectoryW(dir, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
            DWORD attrs = GetFileAttributesW(dir);
            if (attrs == INVALID_FILE_ATTRIBUTES || !(attrs & FILE_ATTRIBUTE_DIRECTORY))
                hr = HRESULT_FROM_WIN32(GetLastError());
        }
        if (i < len)
            dir[i] = L'\\';
    }
    free(dir);
    return hr;
}

/* Blocking mode: waits until the download leaves Transferring, or for
 * NoProgressTimeoutSeconds without a byte moving (then it is paused and
 * DO_E_DOWNLOAD_NO_PROGRESS returned). */
static HRESULT wait_blocking(bitsdo_job *job)
{
    bitsdo_do_ctx *ctx = ctx_of(job);
    ULONGLONG since = GetTickCount64(), limit, last;
    DODownloadState state;
    HRESULT error;

    for (;;) {
        AcquireSRWLockShared(&job->lock);
        state = do_state_locked(job);
        if (job->rec.state == BITSDO_STATE_TRANSIENT_ERROR)
            state = DODownloadState_Transferring; /* the engine retries it */
        error = job->rec.state == BITSDO_STATE_ERROR ? job->rec.error_hr : S_OK;
        limit = (ULONGLONG)job->rec.no_progress_timeout * 1000u;
        last = job->last_progress;
        ReleaseSRWLockShared(&job->lock);
        switch (state) {
        case DODownloadState_Transferred:
        case DODownloadState_Finalized:
            return S_OK;
        case DODownloadState_Aborted:
            return E_ABORT;
        case DODownloadState_Paused:
            return error; /* an error, or paused by another caller */
        default:
            break;
        }
        if (last > since)
            since = last;
        if (GetTickCount64() - since >= limit) {
            bitsdo_job_suspend(job);
            return BITSDO_DO_E_DOWNLOAD_NO_PROGRESS;
        }
        /* Every state change signals; the bound re-checks the timeout. */
        WaitForSingleObject(ctx->changed, 1000);
    }
}

static HRESULT do_abort(bitsdo_job *job)
{
    bitsdo_do_ctx *ctx = ctx_of(job);
    HRESULT hr;

    AcquireSRWLockExclusive(&job->lock);
    if (ctx->finalized || ctx->aborted) {
        ReleaseSRWLockExclusive(&job->lock);
        return BITSDO_DO_E_INVALID_STATE;
    }
    ReleaseSRWLockExclusive(&job->lock);
    hr = bitsdo_job_cancel(job);
    if (FAILED(hr))
        return hr == BITSDO_BG_E_INVALID_STATE ? BITSDO_DO_E_INVALID_STATE : hr;
    AcquireSRWLockExclusive(&job->lock);
    ctx->aborted = TRUE;
    bitsdo_job_publish(job);
    ReleaseSRWLockExclusive(&job->lock);
    SetEvent(ctx->changed);
    /* The download is over: let go of the caller's callback (it may hold us)
     * and stream (the worker is idle: cancelling waited for it). */
    bitsdo_job_set_notify(job, NULL, &IID_IDODownloadStatusCallback);
    drop_stream(job);
    return hr == BITSDO_BG_S_UNABLE_TO_DELETE_FILES ? hr : S_OK;
}

/* Another download of this process to the same local path, paused. */
typedef struct same_path {
    bitsdo_job *self;
    const WCHAR *path;
} same_path;

static BOOL is_paused_same_path(bitsdo_job *job, void *arg)
{
    same_path *want = arg;
    DODownloadState state;

    if (job == want->self || job->events != &bitsdo_do_events || !job->events_ctx ||
        !bitsdo_dodownload_matches(job, DODownloadProperty_LocalPath, want->path))
        return FALSE;
    AcquireSRWLockShared(&job->lock);
    state = do_state_locked(job);
    ReleaseSRWLockShared(&job->lock);
    return state == DODownloadState_Paused;
}

/* A download starting to a local path takes it over from a paused one
 * that was going there: that one is aborted (its partial file deleted), as
 * DO does, so the two never race for the same file. */
static void abort_paused_same_path(bitsdo_job *self, const WCHAR *path)
{
    same_path want = {self, path};
    bitsdo_job **jobs;
    ULONG count, i;

    if (FAILED(bitsdo_job_list(&jobs, &count, is_paused_same_path, &want)))
        return;
    for (i = 0; i < count; i++)
        do_abort(jobs[i]);
    bitsdo_job_list_free(jobs, count);
}

static HRESULT WINAPI dodownload_Start(IDODownload *iface, const DO_DOWNLOAD_RANGES_INFO *ranges)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_do_ctx *ctx = ctx_of(job);
    WCHAR *uri = NULL, *local = NULL, *stream_path = NULL;
    BOOL started, blocking, mandatory, to_stream;
    DODownloadState state;
    HRESULT hr;

    bitsdo_range *wanted = NULL;
    uint32_t count = 0, i;

    /* Ranges (DO_DOWNLOAD_RANGES_INFO): RangeCount 0 asks for the whole
     * file, some ranges for just those, written at their own offsets of
     * the local file; NULL resumes with what was asked before (and, on a
     * first Start, asks for the whole file, as Start(NULL) always did).
     * Another Start with ranges on a Transferred download fetches those
     * too: Transferred -> Transferring -> Transferred. */
    if (ranges && ranges->RangeCount) {
        count = ranges->RangeCount;
        if (count > BITSDO_MAX_RANGES_PER_FILE)
            return BITSDO_DO_E_INVALID_RANGE; /* DO has no ranges policy: the core's bound */
        if (!(wanted = malloc(count * sizeof(*wanted))))
            return E_OUTOFMEMORY;
        for (i = 0; i < count; i++) {
            wanted[i].offset = ranges->Ranges[i].Offset;
            wanted[i].length = ranges->Ranges[i].Length;
        }
        if (FAILED(hr = bitsdo_ranges_check(wanted, count))) {
            free(wanted);
            return do_error(hr);
        }
    }

    /* The first Start claims the download (started) under the lock, so two
     * concurrent Starts never add the file twice. */
    AcquireSRWLockExclusive(&job->lock);
    state = do_state_locked(job);
    started = ctx->started;
    blocking = ctx->blocking;
    mandatory = ctx->integrity_mandatory;
    to_stream = ctx->stream != NULL;
    if (state == DODownloadState_Finalized || state == DODownloadState_Aborted)
        hr = BITSDO_DO_E_INVALID_STATE;
    else if (started && ranges && state == DODownloadState_Transferring)
        hr = BITSDO_DO_E_INVALID_STATE; /* new ranges only between transfers */
    else if (started)
        hr = S_OK;
    else if (!ctx->uri)
        hr = BITSDO_DO_E_DOWNLOAD_NO_URI;
    else if (!ctx->local_path && !to_stream)
        hr = BITSDO_DO_E_FILE_DOWNLOADSINK_UNSPECIFIED;
    else if (mandatory) /* IntegrityCheckInfo cannot be given (no piece hashes) */
        hr = BITSDO_DO_E_INTEGRITYCHECKINFO_UNSPECIFIED;
    else if (!(uri = wcsdup_or_null(ctx->uri)) ||
             (!to_stream && !(local = wcsdup_or_null(ctx->local_path))))
        hr = E_OUTOFMEMORY;
    else {
        ctx->started = TRUE;
        bitsdo_job_publish(job);
    }
    ReleaseSRWLockExclusive(&job->lock);
    if (FAILED(hr))
        goto done;

    if (!started && to_stream) {
        /* The engine's file for a stream download: a name of our own in
         * %TEMP%, never the caller's (see bitsdo_do_ctx). */
        WCHAR dir[MAX_PATH], guid[40];
        DWORD n = GetTempPathW(ARRAYSIZE(dir), dir);

        StringFromGUID2((const GUID *)job->rec.id, guid, ARRAYSIZE(guid));
        if (!n || n + 60 >= ARRAYSIZE(dir) || !(local = malloc(MAX_PATH * sizeof(WCHAR))) ||
            !(stream_path = malloc(MAX_PATH * sizeof(WCHAR)))) {
            hr = n ? E_OUTOFMEMORY : HRESULT_FROM_WIN32(GetLastError());
        } else {
            swprintf(local, MAX_PATH, L"%lsbitsdo-stream-%ls.tmp", dir, guid);
            wcscpy(stream_path, local);
            AcquireSRWLockExclusive(&job->lock);
            free(ctx->stream_path);
            ctx->stream_path = stream_path;
            stream_path = NULL;
            ReleaseSRWLockExclusive(&job->lock);
            job->file_sink = do_file_sink; /* before the worker can run */
        }
        if (FAILED(hr)) {
            AcquireSRWLockExclusive(&job->lock);
            ctx->started = FALSE;
            bitsdo_job_publish(job);
            ReleaseSRWLockExclusive(&job->lock);
            goto done;
        }
    }
    if (!started && !to_stream)
        abort_paused_same_path(job, local);
    if (!started) {
        if (FAILED(hr = make_parent_dirs(local)) ||
            FAILED(hr = bitsdo_job_add_file(job, uri, local, wanted, count))) {
            AcquireSRWLockExclusive(&job->lock);
            ctx->started = FALSE;
            bitsdo_job_publish(job);
            ReleaseSRWLockExclusive(&job->lock);
            hr = do_error(hr);
            goto done;
        }
    } else if (ranges) {
        /* More ranges (or the whole file) for the download's one file. */
        if (FAILED(hr = bitsdo_job_add_ranges(job, 0, wanted, count))) {
            hr = do_error(hr);
            goto done;
        }
        if (hr == S_OK && state == DODownloadState_Transferred)
            state = DODownloadState_Transferring;
    }
    if (state == DODownloadState_Transferred) {
        hr = S_OK; /* every byte asked for is in already */
        goto done;
    }
    if (FAILED(hr = bitsdo_job_resume(job))) {
        if (hr == BITSDO_BG_E_INVALID_STATE)
            hr = BITSDO_DO_E_INVALID_STATE;
        goto done;
    }
    hr = blocking ? wait_blocking(job) : S_OK;
done:
    free(wanted);
    free(uri);
    free(local);
    free(stream_path);
    return hr;
}

static HRESULT WINAPI dodownload_Pause(IDODownload *iface)
{
    bitsdo_job *job = job_of(iface);
    DODownloadState state;

    AcquireSRWLockShared(&job->lock);
    state = do_state_locked(job);
    ReleaseSRWLockShared(&job->lock);
    switch (state) {
    case DODownloadState_Paused:
        return S_OK; /* already there */
    case DODownloadState_Transferring:
        return bitsdo_job_suspend(job) == S_OK ? S_OK : BITSDO_DO_E_INVALID_STATE;
    default: /* Created, Transferred, Finalized, Aborted */
        return BITSDO_DO_E_INVALID_STATE;
    }
}

static HRESULT WINAPI dodownload_Abort(IDODownload *iface)
{
    return do_abort(job_of(iface));
}

static HRESULT WINAPI dodownload_Finalize(IDODownload *iface)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_do_ctx *ctx = ctx_of(job);
    DODownloadState state;
    HRESULT hr;

    AcquireSRWLockShared(&job->lock);
    state = do_state_locked(job);
    ReleaseSRWLockShared(&job->lock);
    /* Only a download whose every byte is in can be finalized. */
    if (state != DODownloadState_Transferred)
        return BITSDO_DO_E_INVALID_STATE;
    hr = bitsdo_job_complete(job);
    if (FAILED(hr))
        return hr == BITSDO_BG_E_INVALID_STATE ? BITSDO_DO_E_INVALID_STATE : hr;
    if (hr != S_OK)
        return BITSDO_DO_E_INVALID_STATE; /* cannot happen: every file was in */
    AcquireSRWLockExclusive(&job->lock);
    ctx->finalized = TRUE;
    bitsdo_job_publish(job);
    ReleaseSRWLockExclusive(&job->lock);
    SetEvent(ctx->changed);
    bitsdo_job_set_notify(job, NULL, &IID_IDODownloadStatusCallback);
    /* A stream download: the bytes are in the stream; the engine's file was
     * just moved to stream_path in %TEMP%, which goes now. */
    drop_stream(job);
    return S_OK;
}

static HRESULT WINAPI dodownload_GetStatus(IDODownload *iface, DO_DOWNLOAD_STATUS *status)
{
    if (!status)
        return E_POINTER;
    read_status(job_of(iface), status);
    return S_OK;
}

/* --- properties ------------------------------------------------------------- */

static HRESULT bstr_out(const WCHAR *s, VARIANT *out)
{
    if (!s)
        return E_NOT_SET;
    if (!(V_BSTR(out) = SysAllocString(s)))
        return E_OUTOFMEMORY;
    V_VT(out) = VT_BSTR;
    return S_OK;
}

static HRESULT WINAPI dodownload_GetProperty(IDODownload *iface, DODownloadProperty id, VARIANT *out)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_do_ctx *ctx = ctx_of(job);
    WCHAR guid[40];
    bitsdo_progress p;
    HRESULT hr = S_OK;

    if (!out)
        return E_POINTER;
    VariantInit(out);
    switch (id) {
    /* write-only */
    case DODownloadProperty_SecurityFlags:
    case DODownloadProperty_SecurityContext:
    case DODownloadProperty_NetworkToken:
    case DODownloadProperty_DecryptionInfo:
    case DODownloadProperty_IntegrityCheckInfo:
    case DODownloadProperty_HttpCustomAuthHeaders:
        return BITSDO_DO_E_WRITE_ONLY_PROPERTY;
    case DODownloadProperty_Id:
        StringFromGUID2((const GUID *)job->rec.id, guid, ARRAYSIZE(guid));
        return bstr_out(guid, out);
    case DODownloadProperty_TotalSizeBytes:
        bitsdo_counters_read(&job->rec.counters, &p);
        AcquireSRWLockShared(&job->lock);
        if (p.files_total && p.bytes_total != BITSDO_SIZE_UNKNOWN) {
            V_VT(out) = VT_UI8;
            V_UI8(out) = p.bytes_total;
        } else if (ctx->total_size_set) {
            V_VT(out) = VT_UI8;
            V_UI8(out) = ctx->total_size;
        } else {
            hr = E_NOT_SET;
        }
        ReleaseSRWLockShared(&job->lock);
        return hr;
    case DODownloadProperty_CallbackInterface: {
        IUnknown *notify;
        if (FAILED(hr = bitsdo_job_get_notify_interface(job, &IID_IDODownloadStatusCallback,
                                                        (void **)&notify)))
            return hr;
        if (!notify)
            return E_NOT_SET;
        V_VT(out) = VT_UNKNOWN;
        V_UNKNOWN(out) = notify; /* the reference is the caller's */
        return S_OK;
    }
    case DODownloadProperty_HttpStatusCode:
    case DODownloadProperty_HttpRedirectionTarget:
    case DODownloadProperty_HttpResponseHeaders:
    case DODownloadProperty_HttpServerIPAddress: {
        /* What the HTTP transport saw of the last response (after any
         * redirects); E_NOT_SET before one (or for a file:// download). */
        const bitsdo_http_seen *seen = &job->http_seen;
        AcquireSRWLockShared(&job->lock);
        if (!seen->status) {
            hr = E_NOT_SET;
        } else if (id == DODownloadProperty_HttpStatusCode) {
            V_VT(out) = VT_UI4;
            V_UI4(out) = seen->status;
            hr = S_OK;
        } else {
            hr = bstr_out(id == DODownloadProperty_HttpRedirectionTarget ? seen->redirect
                          : id == DODownloadProperty_HttpResponseHeaders ? seen->headers
                                                                         : seen->server_ip,
                          out);
        }
        ReleaseSRWLockShared(&job->lock);
        return hr;
    }
    case DODownloadProperty_StreamInterface:
        AcquireSRWLockShared(&job->lock);
        if (ctx->stream) {
            V_VT(out) = VT_UNKNOWN;
            V_UNKNOWN(out) = (IUnknown *)ctx->stream;
            IUnknown_AddRef(V_UNKNOWN(out)); /* the caller's reference */
        } else {
            hr = E_NOT_SET;
        }
        ReleaseSRWLockShared(&job->lock);
        return hr;
    case DODownloadProperty_ContentId:
        /* Never set (it cannot be: see SetProperty). */
        return E_NOT_SET;
    default:
        break;
    }

    AcquireSRWLockShared(&job->lock);
    switch (id) {
    case DODownloadProperty_Uri:
        hr = bstr_out(ctx->uri, out);
        break;
    case DODownloadProperty_DisplayName:
        hr = bstr_out((const WCHAR *)job->rec.display_name, out);
        break;
    case DODownloadProperty_LocalPath:
        hr = bstr_out(ctx->local_path, out);
        break;
    case DODownloadProperty_HttpCustomHeaders:
        hr = bstr_out((const WCHAR *)job->rec.http_headers, out);
        break;
    case DODownloadProperty_CorrelationVector:
        hr = bstr_out(ctx->correlation_vector, out);
        break;
    case DODownloadProperty_CostPolicy:
        V_VT(out) = VT_UI4;
        V_UI4(out) = ctx->cost_policy;
        break;
    case DODownloadProperty_CallbackFreqPercent:
        V_VT(out) = VT_UI4;
        V_UI4(out) = ctx->callback_freq_percent;
        break;
    case DODownloadProperty_CallbackFreqSeconds:
        V_VT(out) = VT_UI4;
        V_UI4(out) = ctx->callback_freq_seconds;
        break;
    case DODownloadProperty_NoProgressTimeoutSeconds:
        V_VT(out) = VT_UI4;
        V_UI4(out) = job->rec.no_progress_timeout;
        break;
    case DODownloadProperty_ForegroundPriority:
        V_VT(out) = VT_BOOL;
        V_BOOL(out) = job->rec.priority == BG_JOB_PRIORITY_FOREGROUND ? VARIANT_TRUE : VARIANT_FALSE;
        break;
    case DODownloadProperty_BlockingMode:
        V_VT(out) = VT_BOOL;
        V_BOOL(out) = ctx->blocking ? VARIANT_TRUE : VARIANT_FALSE;
        break;
    case DODownloadProperty_IntegrityCheckMandatory:
        V_VT(out) = VT_BOOL;
        V_BOOL(out) = ctx->integrity_mandatory ? VARIANT_TRUE : VARIANT_FALSE;
        break;
    case DODownloadProperty_DisallowOnCellular:
        V_VT(out) = VT_BOOL;
        V_BOOL(out) = ctx->disallow_cellular ? VARIANT_TRUE : VARIANT_FALSE;
        break;
    case DODownloadProperty_HttpAllowSecureToNonSecureRedirect:
        V_VT(out) = VT_BOOL;
        V_BOOL(out) = job->rec.security_flags & BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP ? VARIANT_TRUE
                                                                                           : VARIANT_FALSE;
        break;
    case DODownloadProperty_NonVolatile:
        V_VT(out) = VT_BOOL;
        V_BOOL(out) = ctx->non_volatile ? VARIANT_TRUE : VARIANT_FALSE;
        break;
    default:
        hr = BITSDO_DO_E_UNKNOWN_PROPERTY_ID;
        break;
    }
    ReleaseSRWLockShared(&job->lock);
    return hr;
}

#define DO_SSL_BITS (BG_SSL_IGNORE_CERT_CN_INVALID | BG_SSL_IGNORE_CERT_DATE_INVALID | \
                     BG_SSL_IGNORE_UNKNOWN_CA | BG_SSL_IGNORE_CERT_WRONG_USAGE)

/* DO's SecurityFlags are WinHTTP's certificate flags (winhttp.h values). */
static ULONG do_ssl_flags(ULONG winhttp)
{
    ULONG out = 0;

    if (winhttp & 0x00001000) /* SECURITY_FLAG_IGNORE_CERT_CN_INVALID */
        out |= BG_SSL_IGNORE_CERT_CN_INVALID;
    if (winhttp & 0x00002000) /* SECURITY_FLAG_IGNORE_CERT_DATE_INVALID */
        out |= BG_SSL_IGNORE_CERT_DATE_INVALID;
    if (winhttp & 0x00000100) /* SECURITY_FLAG_IGNORE_UNKNOWN_CA */
        out |= BG_SSL_IGNORE_UNKNOWN_CA;
    if (winhttp & 0x00000200) /* SECURITY_FLAG_IGNORE_CERT_WRONG_USAGE */
        out |= BG_SSL_IGNORE_CERT_WRONG_USAGE;
    return out;
}

/* The VARIANT type each property takes; VT_EMPTY for unknown ids. */
static VARTYPE property_type(DODownloadProperty id)
{
    switch (id) {
    case DODownloadProperty_Id:
    case DODownloadProperty_Uri:
    case DODownloadProperty_ContentId:
    case DODownloadProperty_DisplayName:
    case DODownloadProperty_LocalPath:
    case DODownloadProperty_HttpCustomHeaders:
    case DODownloadProperty_CorrelationVector:
    case DODownloadProperty_DecryptionInfo:
    case DODownloadProperty_IntegrityCheckInfo:
    case DODownloadProperty_HttpCustomAuthHeaders:
    case DODownloadProperty_HttpRedirectionTarget:
    case DODownloadProperty_HttpResponseHeaders:
    case DODownloadProperty_HttpServerIPAddress:
        return VT_BSTR;
    case DODownloadProperty_CostPolicy:
    case DODownloadProperty_SecurityFlags:
    case DODownloadProperty_CallbackFreqPercent:
    case DODownloadProperty_CallbackFreqSeconds:
    case DODownloadProperty_NoProgressTimeoutSeconds:
    case DODownloadProperty_HttpStatusCode:
        return VT_UI4;
    case DODownloadProperty_ForegroundPriority:
    case DODownloadProperty_BlockingMode:
    case DODownloadProperty_NetworkToken:
    case DODownloadProperty_IntegrityCheckMandatory:
    case DODownloadProperty_DisallowOnCellular:
    case DODownloadProperty_HttpAllowSecureToNonSecureRedirect:
    case DODownloadProperty_NonVolatile:
        return VT_BOOL;
    case DODownloadProperty_CallbackInterface:
    case DODownloadProperty_StreamInterface:
        return VT_UNKNOWN;
    case DODownloadProperty_SecurityContext:
        return VT_ARRAY | VT_UI1;
    case DODownloadProperty_TotalSizeBytes:
        return VT_UI8;
    }
    return VT_EMPTY;
}

static BOOL uri_scheme_ok(const WCHAR *uri)
{
    return bitsdo_wcs_istarts((const bitsdo_wchar *)uri, "http://") ||
           bitsdo_wcs_istarts((const bitsdo_wchar *)uri, "https://") ||
           bitsdo_wcs_istarts((const bitsdo_wchar *)uri, "file://");
}

static HRESULT set_ctx_wstr(WCHAR **field, const WCHAR *value)
{
    WCHAR *copy = NULL;

    if (value && !(copy = wcsdup_or_null(value)))
        return E_OUTOFMEMORY;
    free(*field);
    *field = copy;
    return S_OK;
}

static HRESULT WINAPI dodownload_SetProperty(IDODownload *iface, DODownloadProperty id,
                                             const VARIANT *value)
{
    bitsdo_job *job = job_of(iface);
    bitsdo_do_ctx *ctx = ctx_of(job);
    VARTYPE type = property_type(id);
    const WCHAR *str = NULL;
    bitsdo_remote_kind kind;
    BOOL flag = FALSE;
    ULONG num = 0;
    ISequentialStream *stream = NULL;
    HRESULT hr = S_OK;

    if (type == VT_EMPTY)
        return BITSDO_DO_E_UNKNOWN_PROPERTY_ID;
    switch (id) {
    case DODownloadProperty_Id:
    case DODownloadProperty_HttpRedirectionTarget:
    case DODownloadProperty_HttpResponseHeaders:
    case DODownloadProperty_HttpServerIPAddress:
    case DODownloadProperty_HttpStatusCode:
        return BITSDO_DO_E_READ_ONLY_PROPERTY;
    default:
        break;
    }
    if (!value || V_VT(value) != type)
        return E_INVALIDARG;
    /* A NUL inside a BSTR would silently cut the value short (a URL or a
     * header list ending somewhere else than the caller meant): refused,
     * as a CR or LF that could break a request apart is below. */
    if (type == VT_BSTR && V_BSTR(value) && SysStringLen(V_BSTR(value)) != wcslen(V_BSTR(value)))
        return E_INVALIDARG;
    if (type == VT_BSTR)
        str = V_BSTR(value) ? V_BSTR(value) : L"";
    else if (type == VT_BOOL)
        flag = V_BOOL(value) != VARIANT_FALSE;
    else if (type == VT_UI4)
        num = V_UI4(value);

    /* Checks that need no lock. */
    switch (id) {
    case DODownloadProperty_Uri:
        if (!*str || wcslen(str) > BITSDO_DO_MAX_URI_CHARS || !uri_scheme_ok(str) ||
            FAILED(bitsdo_remote_classify((const bitsdo_wchar *)str, &kind)))
            return E_INVALIDARG;
        break;
    case DODownloadProperty_LocalPath:
        if (FAILED(bitsdo_local_validate((const bitsdo_wchar *)str)))
            return local_path_error(str);
        break;
    case DODownloadProperty_HttpCustomHeaders:
        /* The rules of IBackgroundCopyJobHttpOptions::SetCustomHeaders
         * (transport_http.h); DO documents no code of its own for them. */
        if (FAILED(bitsdo_http_check_headers(str)))
            return E_INVALIDARG;
        break;
    case DODownloadProperty_ContentId:
        /* Content IDs name content in the DO cloud; there is none here. */
        return BITSDO_DO_E_CLOUD_SERVICES_UNREACHABLE;
    case DODownloadProperty_CostPolicy:
        if (num > DODownloadCostPolicy_NoCellular)
            return E_INVALIDARG;
        /* No cost data on this machine: only "always" can be honoured. */
        if (num != DODownloadCostPolicy_Always)
            return BITSDO_DO_E_BLOCKED_BY_COST_TRANSFER_POLICY;
        break;
    case DODownloadProperty_CallbackFreqPercent:
        if (num > 100)
            return E_INVALIDARG;
        break;
    case DODownloadProperty_NoProgressTimeoutSeconds:
        if (num < BITSDO_DO_MIN_NO_PROGRESS_TIMEOUT)
            return E_INVALIDARG;
        break;
    case DODownloadProperty_CallbackInterface:
        if (V_UNKNOWN(value)) {
            IDODownloadStatusCallback *cb;
            if (FAILED(IUnknown_QueryInterface(V_UNKNOWN(value), &IID_IDODownloadStatusCallback,
                                               (void **)&cb)))
                return E_INVALIDARG;
            IDODownloadStatusCallback_Release(cb);
        }
        break;
    case DODownloadProperty_StreamInterface:
        /* Any stream we can write to in order (IStream derives from
         * ISequentialStream); NULL takes it away again. */
        if (V_UNKNOWN(value) &&
            FAILED(IUnknown_QueryInterface(V_UNKNOWN(value), &IID_ISequentialStream,
                                           (void **)&stream)))
            return E_INVALIDARG;
        break;
    case DODownloadProperty_SecurityContext:
        /* The bytes are read as the certificate they claim to be; a
         * certificate that does not parse gets the certificate store's own
         * error. A good one: client certificates are not implemented. */
        if (FAILED(hr = check_certificate(V_ARRAY(value))))
            return hr;
        return E_NOTIMPL;
    /* Not implemented yet: the engine has no client certificates, no
     * captured network token, no decryption, no piece hash checks, no auth
     * challenges. */
    case DODownloadProperty_NetworkToken:
    case DODownloadProperty_DecryptionInfo:
    case DODownloadProperty_IntegrityCheckInfo:
    case DODownloadProperty_HttpCustomAuthHeaders:
        return E_NOTIMPL;
    default:
        break;
    }

    if (id == DODownloadProperty_CallbackInterface) {
        if (FAILED(hr = bitsdo_job_modify_begin(job)))
            return BITSDO_DO_E_INVALID_STATE;
        bitsdo_job_modify_end(job, FALSE);
        return bitsdo_job_set_notify(job, V_UNKNOWN(value), &IID_IDODownloadStatusCallback);
    }

    if (FAILED(bitsdo_job_modify_begin(job))) {
        if (stream)
            ISequentialStream_Release(stream);
        return BITSDO_DO_E_INVALID_STATE; /* finalized or aborted */
    }
    if (ctx->finalized || ctx->aborted) {
        bitsdo_job_modify_end(job, FALSE);
        if (stream)
            ISequentialStream_Release(stream);
        return BITSDO_DO_E_INVALID_STATE;
    }
    switch (id) {
    case DODownloadProperty_Uri:
    case DODownloadProperty_LocalPath:
    case DODownloadProperty_StreamInterface:
        /* The source and the sink are fixed once the download started, and
         * a download has one sink: a path or a stream, not both. */
        if (ctx->started)
            hr = BITSDO_DO_E_INVALID_STATE;
        else if (id == DODownloadProperty_LocalPath && ctx->stream)
            hr = BITSDO_DO_E_FILE_DOWNLOADSINK_ALREADY_SET;
        else if (id == DODownloadProperty_StreamInterface && stream && ctx->local_path)
            hr = BITSDO_DO_E_FILE_DOWNLOADSINK_ALREADY_SET;
        else if (id == DODownloadProperty_StreamInterface && stream && ctx->non_volatile)
            hr = E_NOTIMPL; /* a caller's stream cannot outlive the host */
        else if (id == DODownloadProperty_StreamInterface) {
            /* Swap: the old one (or the refused new one) is released below,
             * outside the lock. */
            ISequentialStream *old = ctx->stream;
            ctx->stream = stream;
            stream = old;
        } else
            hr = set_ctx_wstr(id == DODownloadProperty_Uri ? &ctx->uri : &ctx->local_path, str);
        break;
    case DODownloadProperty_DisplayName:
        hr = bitsdo_set_wstr(&job->rec.display_name, (const bitsdo_wchar *)str);
        break;
    case DODownloadProperty_HttpCustomHeaders:
        hr = bitsdo_set_wstr(&job->rec.http_headers, *str ? (const bitsdo_wchar *)str : NULL);
        break;
    case DODownloadProperty_CorrelationVector:
        hr = set_ctx_wstr(&ctx->correlation_vector, str);
        break;
    case DODownloadProperty_CostPolicy:
        ctx->cost_policy = num;
        break;
    case DODownloadProperty_SecurityFlags:
        /* WinHTTP's SECURITY_FLAG_IGNORE_* bits, kept as the BG_SSL_IGNORE_*
         * ones the HTTP transport applies; the redirect policy stays. */
        job->rec.security_flags = (job->rec.security_flags & ~(ULONG)DO_SSL_BITS) | do_ssl_flags(num);
        break;
    case DODownloadProperty_HttpAllowSecureToNonSecureRedirect:
        if (flag)
            job->rec.security_flags |= BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP;
        else
            job->rec.security_flags &= ~(ULONG)BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP;
        break;
    case DODownloadProperty_CallbackFreqPercent:
        ctx->callback_freq_percent = num;
        break;
    case DODownloadProperty_CallbackFreqSeconds:
        ctx->callback_freq_seconds = num;
        break;
    case DODownloadProperty_NoProgressTimeoutSeconds:
        job->rec.no_progress_timeout = num;
        break;
    case DODownloadProperty_ForegroundPriority:
        job->rec.priority = flag ? BG_JOB_PRIORITY_FOREGROUND : BG_JOB_PRIORITY_NORMAL;
        break;
    case DODownloadProperty_BlockingMode:
        ctx->blocking = flag;
        break;
    case DODownloadProperty_IntegrityCheckMandatory:
        ctx->integrity_mandatory = flag;
        break;
    case DODownloadProperty_DisallowOnCellular:
        /* This machine has no cellular connection: never downloads on one. */
        ctx->disallow_cellular = flag;
        break;
    case DODownloadProperty_TotalSizeBytes:
        ctx->total_size = V_UI8(value);
        ctx->total_size_set = TRUE;
        break;
    case DODownloadProperty_NonVolatile:
        /* Settable until Finalize/Abort (Microsoft's page states no other
         * limit): the host's store writer follows the record's changes. A
         * stream sink cannot be kept across a host restart: E_NOTIMPL. */
        if (flag && ctx->stream)
            hr = E_NOTIMPL;
        else
            ctx->non_volatile = flag;
        break;
    default:
        break;
    }
    bitsdo_job_modify_end(job, SUCCEEDED(hr));
    if (stream)
        ISequentialStream_Release(stream);
    if (id == DODownloadProperty_NoProgressTimeoutSeconds)
        bitsdo_job_wake(job);
    return hr;
}

static const IDODownloadVtbl dodownload_vtbl = {
    dodownload_QueryInterface,
    dodownload_AddRef,
    dodownload_Release,
    dodownload_Start,
    dodownload_Pause,
    dodownload_Abort,
    dodownload_Finalize,
    dodownload_GetStatus,
    dodownload_GetProperty,
    dodownload_SetProperty,
};

/* --- constructors and the manager's helpers ------------------------------------ */

HRESULT bitsdo_dodownload_create(bitsdo_job *job, REFIID riid, void **out)
{
    bitsdo_dodownload *download;
    HRESULT hr;

    if (!(download = calloc(1, sizeof(*download))))
        return E_OUTOFMEMORY;
    download->IDODownload_iface.lpVtbl = &dodownload_vtbl;
    download->refs = 1;
    bitsdo_job_addref(job);
    download->job = job;
    bitsdo_marshal_host_init(&download->marshal, (IUnknown *)&download->IDODownload_iface, job,
                             BITSDO_FACADE_DO_DOWNLOAD);
    bitsdo_module_addref();
    hr = IDODownload_QueryInterface(&download->IDODownload_iface, riid, out);
    IDODownload_Release(&download->IDODownload_iface);
    return hr;
}

HRESULT bitsdo_dodownload_new(IDODownload **out)
{
    bitsdo_do_ctx *ctx;
    bitsdo_job *job;
    HRESULT hr;

    if (!(ctx = calloc(1, sizeof(*ctx))))
        return E_OUTOFMEMORY;
    ctx->callback_freq_seconds = BITSDO_DO_DEFAULT_CALLBACK_SECONDS;
    ctx->cost_policy = DODownloadCostPolicy_Always;
    if (!(ctx->changed = CreateEventW(NULL, FALSE, FALSE, NULL))) {
        free(ctx);
        return HRESULT_FROM_WIN32(GetLastError());
    }
    hr = bitsdo_job_create(NULL, NULL, BG_JOB_TYPE_DOWNLOAD, &bitsdo_do_events, ctx, &job);
    if (FAILED(hr)) {
        CloseHandle(ctx->changed);
        free(ctx);
        return hr;
    }
    /* DO writes a range at its own offset of the local file (fetch.h). */
    job->ranges_in_place = TRUE;
    /* A partial file deleted under a paused download is an error
     * (ERROR_FILE_NOT_FOUND), not a reason to start again (fetch.c). */
    job->temp_must_stay = TRUE;
    /* The engine passes progress on at most every 100 ms by default; a fast
     * download could then cross a CallbackFreqPercent step unheard. DO
     * filters progress itself (do_deliver), so it hears of every write. */
    job->progress_interval_ms = 0;
    /* From here the job owns ctx (freed by do_release). */
    hr = bitsdo_dodownload_create(job, &IID_IDODownload, (void **)out);
    if (FAILED(hr))
        bitsdo_job_cancel(job);
    bitsdo_job_release(job);
    return hr;
}

BOOL bitsdo_dodownload_matches(bitsdo_job *job, DODownloadProperty id, const WCHAR *value)
{
    bitsdo_do_ctx *ctx = ctx_of(job);
    WCHAR guid[40];
    const WCHAR *have = NULL;
    BOOL match;

    if (job->events != &bitsdo_do_events || !ctx)
        return FALSE;
    if (id == DODownloadProperty_Id) {
        StringFromGUID2((const GUID *)job->rec.id, guid, ARRAYSIZE(guid));
        return !_wcsicmp(guid, value);
    }
    AcquireSRWLockShared(&job->lock);
    switch (id) {
    case DODownloadProperty_Uri:
        have = ctx->uri;
        break;
    case DODownloadProperty_DisplayName:
        have = (const WCHAR *)job->rec.display_name;
        break;
    case DODownloadProperty_LocalPath:
        have = ctx->local_path;
        break;
    default: /* ContentId: never set */
        break;
    }
    match = have && (id == DODownloadProperty_DisplayName ? !wcscmp(have, value)
                                                         : !_wcsicmp(have, value));
    ReleaseSRWLockShared(&job->lock);
    return match;
}

/* --- the host's store (src/host/persist.c) ------------------------------------ */

BOOL bitsdo_dodownload_non_volatile(bitsdo_job *job)
{
    bitsdo_do_ctx *ctx = ctx_of(job);
    BOOL keep;

    if (job->events != &bitsdo_do_events || !ctx)
        return FALSE;
    AcquireSRWLockShared(&job->lock);
    keep = ctx->non_volatile && !ctx->stream;
    ReleaseSRWLockShared(&job->lock);
    return keep;
}

/* With the job's lock held (shared is enough). */
HRESULT bitsdo_dodownload_save_locked(bitsdo_job *job, bitsdo_facade_rec *out)
{
    bitsdo_do_ctx *ctx = ctx_of(job);

    bitsdo_facade_rec_init(out, BITSDO_FACADEREC_DO_DOWNLOAD);
    out->dl.non_volatile = ctx->non_volatile && !ctx->stream;
    if ((ctx->uri && !(out->dl.uri = bitsdo_wcsdup((const bitsdo_wchar *)ctx->uri))) ||
        (ctx->local_path && !(out->dl.local_path = bitsdo_wcsdup((const bitsdo_wchar *)ctx->local_path))) ||
        (ctx->correlation_vector &&
         !(out->dl.correlation_vector = bitsdo_wcsdup((const bitsdo_wchar *)ctx->correlation_vector)))) {
        bitsdo_facade_rec_free(out);
        return E_OUTOFMEMORY;
    }
    out->dl.callback_freq_percent = ctx->callback_freq_percent;
    out->dl.callback_freq_seconds = ctx->callback_freq_seconds;
    out->dl.cost_policy = ctx->cost_policy;
    out->dl.blocking = ctx->blocking;
    out->dl.integrity_mandatory = ctx->integrity_mandatory;
    out->dl.disallow_cellular = ctx->disallow_cellular;
    out->dl.total_size_set = ctx->total_size_set;
    out->dl.total_size = ctx->total_size;
    out->dl.started = ctx->started;
    return S_OK;
}

/* Before the restored job can run: what bitsdo_dodownload_new sets. */
static void do_prepare(bitsdo_job *job, void *arg)
{
    (void)arg;
    job->ranges_in_place = TRUE;
    job->temp_must_stay = TRUE;
    job->progress_interval_ms = 0;
}

HRESULT bitsdo_dodownload_restore(bitsdo_job_rec *rec, bitsdo_facade_rec *facade, bitsdo_job **out)
{
    bitsdo_do_ctx *ctx;
    HRESULT hr;

    if (facade->kind != BITSDO_FACADEREC_DO_DOWNLOAD || !facade->dl.non_volatile ||
        bitsdo_state_is_final(rec->state))
        return E_INVALIDARG;
    if (!(ctx = calloc(1, sizeof(*ctx))))
        return E_OUTOFMEMORY;
    if (!(ctx->changed = CreateEventW(NULL, FALSE, FALSE, NULL))) {
        free(ctx);
        return HRESULT_FROM_WIN32(GetLastError());
    }
    /* The strings move from the facade record. */
    ctx->uri = (WCHAR *)facade->dl.uri;
    ctx->local_path = (WCHAR *)facade->dl.local_path;
    ctx->correlation_vector = (WCHAR *)facade->dl.correlation_vector;
    facade->dl.uri = facade->dl.local_path = facade->dl.correlation_vector = NULL;
    ctx->callback_freq_percent = facade->dl.callback_freq_percent;
    ctx->callback_freq_seconds = facade->dl.callback_freq_seconds;
    ctx->cost_policy = facade->dl.cost_policy;
    ctx->blocking = facade->dl.blocking;
    ctx->integrity_mandatory = facade->dl.integrity_mandatory;
    ctx->disallow_cellular = facade->dl.disallow_cellular;
    ctx->total_size_set = facade->dl.total_size_set;
    ctx->total_size = facade->dl.total_size;
    ctx->started = facade->dl.started;
    ctx->non_volatile = TRUE;
    hr = bitsdo_job_adopt_ex(rec, &bitsdo_do_events, ctx, do_prepare, NULL, FALSE, out);
    if (FAILED(hr)) {
        /* The engine never took ctx. */
        free(ctx->uri);
        free(ctx->local_path);
        free(ctx->correlation_vector);
        CloseHandle(ctx->changed);
        free(ctx);
    }
    return hr;
}
