/* Running one file of a job: the hidden temp file beside the destination,
 * resume from what it already holds, the transport, and the final check
 * that every byte is in. */
#include "fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <winternl.h>

#include "DeliveryOptimization.h"
#include "errors.h"
#include "prof.h"
#include "transport_http.h"
#include "wstr.h"

/* Transports in the order they are asked; the first that handles a kind
 * of remote name runs it. */
static const bitsdo_transport *const transports[] = {
    &bitsdo_transport_file,
    &bitsdo_transport_http,
};

BOOL bitsdo_fetch_stopped(const bitsdo_fetch *f)
{
    return bitsdo__read_long(&f->job->run_gen) != f->gen;
}

static HRESULT truncate_temp(HANDLE temp, UINT64 size)
{
    LARGE_INTEGER pos;

    pos.QuadPart = (LONGLONG)size;
    if (!SetFilePointerEx(temp, pos, NULL, FILE_BEGIN) || !SetEndOfFile(temp))
        return HRESULT_FROM_WIN32(GetLastError());
    return S_OK;
}

HRESULT bitsdo_fetch_restart(bitsdo_fetch *f)
{
    HRESULT hr;

    /* Ranges in place: the bytes around the ranges are the local file's and
     * stay; the ranges are simply written again. */
    if ((!f->ranges || !f->in_place) && FAILED(hr = truncate_temp(f->temp, 0))) {
        f->error_context = BG_ERROR_CONTEXT_LOCAL_FILE;
        return hr;
    }
    bitsdo_counters_set_bytes(&f->job->rec.counters, &f->file->counters, 0);
    bitsdo__store64(&f->file->cache_bytes, 0);
    bitsdo__job_publish_progress(f->job);
    f->offset = 0;
    return S_OK;
}

HRESULT bitsdo_fetch_set_size(bitsdo_fetch *f, UINT64 size)
{
    bitsdo_file_counters *fc = &f->file->counters;
    uint64_t known = bitsdo__load64(&fc->bytes_total);
    HRESULT hr;

    if (known == size)
        return S_OK;
    if (known == BITSDO_SIZE_UNKNOWN && bitsdo__load64(&fc->bytes_transferred) <= size) {
        bitsdo_counters_set_size(&f->job->rec.counters, fc, size);
        bitsdo__job_publish_progress(f->job);
        return S_OK;
    }
    /* The remote file is not the one we started with: start over. */
    if (FAILED(hr = bitsdo_fetch_restart(f)))
        return hr;
    bitsdo_counters_set_size(&f->job->rec.counters, fc, size);
    bitsdo__job_publish_progress(f->job);
    return S_FALSE;
}

HRESULT bitsdo_fetch_write(bitsdo_fetch *f, UINT64 offset, const void *data, DWORD len)
{
    bitsdo_file_counters *fc = &f->file->counters;
    uint64_t total = bitsdo__load64(&fc->bytes_total);
    OVERLAPPED ov = {0};
    DWORD written, err;
    BOOL ok;
    int added;
    BITSDO_PROF_START(t_step);

    if (f->fail_error && offset + len > f->fail_at) {
        /* The test seam: what lies before fail_at is written, then the error. */
        DWORD keep = offset < f->fail_at ? (DWORD)(f->fail_at - offset) : 0, err = f->fail_error;
        HRESULT hr = S_OK;

        f->fail_error = 0;
        if (keep)
            hr = bitsdo_fetch_write(f, offset, data, keep);
        f->fail_error = err;
        if (FAILED(hr))
            return hr;
        f->error_context = BG_ERROR_CONTEXT_LOCAL_FILE;
        f->transient = err == ERROR_DISK_FULL || err == ERROR_HANDLE_DISK_FULL;
        return HRESULT_FROM_WIN32(err);
    }
    if (bitsdo_fetch_stopped(f) || FAILED(bitsdo_sched_yield(&f->slot)))
        return E_ABORT;
    BITSDO_PROF_STOP(BITSDO_PROF_YIELD, t_step);
    /* (A ranged file's offsets are temp-file offsets, not progress: the
     * counters below refuse bytes past its total.) */
    if (!f->ranges && total != BITSDO_SIZE_UNKNOWN && (offset > total || len > total - offset)) {
        /* More bytes than the file has: never let them near the result. */
        f->error_context = BG_ERROR_CONTEXT_REMOTE_FILE;
        f->transient = TRUE;
        return HRESULT_FROM_WIN32(ERROR_INVALID_DATA);
    }
    ov.Offset = (DWORD)offset;
    ov.OffsetHigh = (DWORD)(offset >> 32);
    {
        BITSDO_PROF_START(t_write);

        ok = WriteFile(f->temp, data, len, &written, &ov);
        BITSDO_PROF_STOP(BITSDO_PROF_WRITE, t_write);
    }
    if (!ok || written != len) {
        err = GetLastError();
        f->error_context = BG_ERROR_CONTEXT_LOCAL_FILE;
        f->transient = err == ERROR_DISK_FULL || err == ERROR_HANDLE_DISK_FULL;
        return HRESULT_FROM_WIN32(err ? err : ERROR_WRITE_FAULT);
    }
    {
        BITSDO_PROF_START(t_add);

        added = bitsdo_counters_add_bytes(&f->job->rec.counters, fc, len);
        BITSDO_PROF_STOP(BITSDO_PROF_COUNTERS, t_add);
    }
    if (!added) {
        f->error_context = BG_ERROR_CONTEXT_REMOTE_FILE;
        f->transient = TRUE;
        return HRESULT_FROM_WIN32(ERROR_INVALID_DATA);
    }
    {
        BITSDO_PROF_START(t_progress);

        bitsdo__job_progress(f->job);
        BITSDO_PROF_STOP(BITSDO_PROF_PROGRESS, t_progress);
    }
    return S_OK;
}

HRESULT bitsdo_fetch_range_size(bitsdo_fetch *f, UINT64 remote_size)
{
    UINT64 total = 0, len;
    uint32_t i;

    for (i = 0; i < f->range_count; i++) {
        const bitsdo_range *r = &f->ranges[i];
        len = r->length == BG_LENGTH_TO_EOF && r->offset < remote_size ? remote_size - r->offset
                                                                          : r->length;
        if (r->offset >= remote_size || len > remote_size - r->offset) {
            f->error_context = BG_ERROR_CONTEXT_REMOTE_FILE;
            f->transient = FALSE;
            return BITSDO_BG_E_INVALID_RANGE;
        }
        total += len;
    }
    f->remote_size = remote_size;
    return bitsdo_fetch_set_size(f, total);
}

HRESULT bitsdo_fetch_range_piece(const bitsdo_fetch *f, UINT64 pos, UINT64 *src, UINT64 *len,
                                 UINT64 *dst)
{
    UINT64 packed = 0, n;
    uint32_t i;

    for (i = 0; i < f->range_count; i++) {
        const bitsdo_range *r = &f->ranges[i];
        if (r->length != BG_LENGTH_TO_EOF)
            n = r->length;
        else if (f->remote_size != BITSDO_SIZE_UNKNOWN)
            n = f->remote_size > r->offset ? f->remote_size - r->offset : 0;
        else
            n = BITSDO_SIZE_UNKNOWN;
        if (n == BITSDO_SIZE_UNKNOWN || pos - packed < n) {
            *src = r->offset + (pos - packed);
            *len = n == BITSDO_SIZE_UNKNOWN ? n : n - (pos - packed);
            *dst = f->in_place ? *src : pos;
            return S_OK;
        }
        packed += n;
    }
    return S_FALSE;
}

/* Ranges in place: a new temp file starts as a copy of the local file, so
 * that what lies outside the ranges is left as the caller had it. */
static HRESULT copy_local(const WCHAR *local, HANDLE temp)
{
    HANDLE src = CreateFileW(local, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                             OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    HRESULT hr = S_OK;
    DWORD got, put;
    BYTE *buf;

    if (src == INVALID_HANDLE_VALUE)
        return GetLastError() == ERROR_FILE_NOT_FOUND ? S_OK : HRESULT_FROM_WIN32(GetLastError());
    if (!(buf = malloc(65536))) {
        CloseHandle(src);
        return E_OUTOFMEMORY;
    }
    for (;;) {
        if (!ReadFile(src, buf, 65536, &got, NULL)) {
            hr = HRESULT_FROM_WIN32(GetLastError());
            break;
        }
        if (!got)
            break;
        if (!WriteFile(temp, buf, got, &put, NULL) || put != got) {
            hr = HRESULT_FROM_WIN32(GetLastError());
            break;
        }
    }
    free(buf);
    CloseHandle(src);
    return hr;
}

/* Creates and opens a new hidden BITxxxx.tmp in the destination's folder,
 * in one step (GetTempFileName would scan the folder, create the file, and
 * leave us to reopen it: three times the file-system work per file). */
static HRESULT create_temp(const WCHAR *local, WCHAR *name, HANDLE *out)
{
    static volatile LONG counter;
    size_t len = bitsdo_local_dir_len((const bitsdo_wchar *)local);
    const WCHAR *sep;
    DWORD tries, err;
    HANDLE h;

    if (!len || len + 13 >= MAX_PATH)
        return E_INVALIDARG;
    memcpy(name, local, len * sizeof(WCHAR));
    sep = name[len - 1] == '\\' ? L"" : L"\\";
    if (!counter)
        InterlockedCompareExchange(&counter, (LONG)(GetTickCount() ^ GetCurrentProcessId()), 0);
    for (tries = 0; tries < 0x10000; tries++) {
        swprintf(name + len, MAX_PATH - len, L"%lsBIT%04X.tmp", sep,
                 (unsigned)(InterlockedIncrement(&counter) & 0xffff));
        h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, CREATE_NEW,
                        FILE_ATTRIBUTE_HIDDEN, NULL);
        if (h != INVALID_HANDLE_VALUE) {
            *out = h;
            return S_OK;
        }
        err = GetLastError();
        if (err != ERROR_FILE_EXISTS && err != ERROR_ALREADY_EXISTS)
            return HRESULT_FROM_WIN32(err);
    }
    return HRESULT_FROM_WIN32(ERROR_FILE_EXISTS);
}

/* Opens the file's temp file, creating it on the first attempt. On return
 * *offset is how many bytes of it are kept for resuming. */
static HRESULT open_temp(bitsdo_job *job, bitsdo_file_rec *file, BOOL in_place, HANDLE *out,
                         UINT64 *offset)
{
    WCHAR name[MAX_PATH];
    const WCHAR *existing;
    LARGE_INTEGER size;
    HANDLE h = INVALID_HANDLE_VALUE;
    uint64_t counted;
    HRESULT hr;

    AcquireSRWLockShared(&job->lock);
    existing = (const WCHAR *)file->temp_name;
    if (existing && wcslen(existing) < MAX_PATH)
        wcscpy(name, existing);
    else
        existing = NULL;
    ReleaseSRWLockShared(&job->lock);

    if (existing) {
        h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                        FILE_ATTRIBUTE_HIDDEN, NULL);
        /* Someone deleted the partial file of a DO download: DO reports
         * that (the file's error) rather than silently starting over. */
        if (h == INVALID_HANDLE_VALUE && job->temp_must_stay && GetLastError() == ERROR_FILE_NOT_FOUND &&
            bitsdo__load64(&file->counters.bytes_transferred))
            return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    }
    if (h == INVALID_HANDLE_VALUE) {
        if (FAILED(hr = create_temp((const WCHAR *)file->local_name, name, &h)))
            return hr;
        if (in_place && FAILED(hr = copy_local((const WCHAR *)file->local_name, h))) {
            CloseHandle(h);
            DeleteFileW(name);
            return hr;
        }
        AcquireSRWLockExclusive(&job->lock);
        hr = bitsdo_set_wstr(&file->temp_name, (const bitsdo_wchar *)name);
        ReleaseSRWLockExclusive(&job->lock);
        if (FAILED(hr)) {
            CloseHandle(h);
            DeleteFileW(name);
            return hr;
        }
        if (existing)
            file->remote_mtime = 0; /* the old partial data is gone */
        bitsdo_counters_set_bytes(&job->rec.counters, &file->counters, 0);
        bitsdo__store64(&file->cache_bytes, 0);
        bitsdo__job_publish_progress(job);
    }

    /* Keep what is both on disk and counted; drop anything after it. */
    counted = bitsdo__load64(&file->counters.bytes_transferred);
    if (in_place) {
        /* Ranges in place: the bytes are not a prefix; the uncounted ones
         * are written again over whatever is there. */
        *out = h;
        *offset = counted;
        return S_OK;
    }
    if (!GetFileSizeEx(h, &size)) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        CloseHandle(h);
        return hr;
    }
    if ((uint64_t)size.QuadPart < counted) {
        counted = (uint64_t)size.QuadPart;
        bitsdo_counters_set_bytes(&job->rec.counters, &file->counters, counted);
        bitsdo__job_publish_progress(job);
    }
    if (FAILED(hr = truncate_temp(h, counted))) {
        CloseHandle(h);
        return hr;
    }
    *out = h;
    *offset = counted;
    return S_OK;
}

/* FALSE once the temp file's name no longer leads to the file f->temp
 * holds open: deleted under the running job (Windows keeps it, delete
 * pending, until the handle closes; under Wine the handle writes on into
 * the unlinked file) or replaced by another file. Its bytes could then
 * never reach the final name. TRUE when it cannot be told. */
typedef NTSTATUS(NTAPI *query_file_fn)(HANDLE, PIO_STATUS_BLOCK, PVOID, ULONG, FILE_INFORMATION_CLASS);

/* The file's index on its volume (NTFS's file id; Wine's inode number),
 * through FileInternalInformation, which reads only the file. Not
 * GetFileInformationByHandle: it asks the volume's serial number too, which
 * under Wine is a request to the mount manager, about 0.7 ms a call. */
static BOOL file_index(HANDLE h, LONGLONG *out)
{
    static query_file_fn query;
    FILE_INTERNAL_INFORMATION info;
    IO_STATUS_BLOCK io;

    if (!query)
        query = (query_file_fn)(void *)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationFile");
    if (!query || query(h, &io, &info, sizeof(info), FileInternalInformation) < 0)
        return FALSE;
    *out = info.IndexNumber.QuadPart;
    return TRUE;
}

static BOOL temp_in_place(bitsdo_fetch *f)
{
    FILE_STANDARD_INFO std;
    LONGLONG mine, named;
    WCHAR name[MAX_PATH];
    HANDLE other;
    BOOL known, same;
    DWORD err;

    if (GetFileInformationByHandleEx(f->temp, FileStandardInfo, &std, sizeof(std)) &&
        (std.DeletePending || !std.NumberOfLinks))
        return FALSE;
    AcquireSRWLockShared(&f->job->lock);
    known = f->file->temp_name && wcslen((const WCHAR *)f->file->temp_name) < MAX_PATH;
    if (known)
        wcscpy(name, (const WCHAR *)f->file->temp_name);
    ReleaseSRWLockShared(&f->job->lock);
    if (!known)
        return TRUE;
    /* No access asked: only the file's identity is read. */
    other = CreateFileW(name, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                        0, NULL);
    if (other == INVALID_HANDLE_VALUE) {
        err = GetLastError();
        return err != ERROR_FILE_NOT_FOUND && err != ERROR_PATH_NOT_FOUND;
    }
    /* The name is the full path the handle was opened by, so both are on
     * one volume: the index alone tells the files apart. */
    same = !file_index(f->temp, &mine) || !file_index(other, &named) || mine == named;
    CloseHandle(other);
    return same;
}

/* FALSE if the temp file's name leads nowhere. */
static BOOL temp_exists(bitsdo_fetch *f)
{
    DWORD attributes, err;

    AcquireSRWLockShared(&f->job->lock);
    attributes = f->file->temp_name ? GetFileAttributesW((const WCHAR *)f->file->temp_name) : 0;
    err = GetLastError();
    ReleaseSRWLockShared(&f->job->lock);
    return attributes != INVALID_FILE_ATTRIBUTES || (err != ERROR_FILE_NOT_FOUND && err != ERROR_PATH_NOT_FOUND);
}

/* The temp file is lost: its name is forgotten (the next attempt creates a
 * new one) and the file counts from 0 again. */
static void forget_temp(bitsdo_fetch *f)
{
    bitsdo_job *job = f->job;

    AcquireSRWLockExclusive(&job->lock);
    free(f->file->temp_name);
    f->file->temp_name = NULL;
    f->file->remote_mtime = 0;
    ReleaseSRWLockExclusive(&job->lock);
    bitsdo_counters_set_bytes(&job->rec.counters, &f->file->counters, 0);
    bitsdo__store64(&f->file->cache_bytes, 0);
    bitsdo__job_publish_progress(job);
}

static const bitsdo_transport *find_transport(bitsdo_remote_kind kind)
{
    size_t i;

    for (i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
        if (transports[i]->handles(kind))
            return transports[i];
    return NULL;
}

/* BITSDO_TEST_WRITE_FAIL="OFFSET:WIN32ERROR" (fetch.h, the test seam). */
static void write_fail_seam(bitsdo_fetch *f)
{
    WCHAR text[48], *colon;
    DWORD n = GetEnvironmentVariableW(L"BITSDO_TEST_WRITE_FAIL", text, ARRAYSIZE(text));

    if (!n || n >= ARRAYSIZE(text) || !(colon = wcschr(text, ':')))
        return;
    f->fail_at = _wcstoui64(text, NULL, 10);
    f->fail_error = wcstoul(colon + 1, NULL, 10);
}

HRESULT bitsdo_fetch_file(bitsdo_job *job, uint32_t index, LONG gen,
                          DWORD *error_context, BOOL *transient)
{
    bitsdo_fetch f = {0};
    const bitsdo_transport *transport;
    bitsdo_wchar *remote;
    bitsdo_file_rec *file;
    uint64_t total, done;
    BOOL no_memory;
    HRESULT hr;

    AcquireSRWLockShared(&job->lock);
    file = job->rec.files[index];
    remote = bitsdo_wcsdup(file->remote_name);
    f.slot.priority = job->rec.priority;
    if (file->ranges && file->range_count &&
        (f.ranges = malloc(file->range_count * sizeof(*f.ranges)))) {
        memcpy(f.ranges, file->ranges, file->range_count * sizeof(*f.ranges));
        f.range_count = file->range_count;
    }
    f.in_place = job->ranges_in_place && f.ranges;
    no_memory = !remote || (file->range_count && !f.ranges);
    ReleaseSRWLockShared(&job->lock);
    f.remote_size = BITSDO_SIZE_UNKNOWN;
    write_fail_seam(&f);
    f.slot.gen = &job->run_gen;
    f.slot.my_gen = gen;
    *transient = FALSE;
    *error_context = BG_ERROR_CONTEXT_GENERAL_TRANSPORT;
    if (no_memory) {
        free(remote);
        free(f.ranges);
        return E_OUTOFMEMORY;
    }

    f.job = job;
    f.file = file;
    f.file_index = index;
    f.remote = (const WCHAR *)remote;
    f.gen = gen;
    if (FAILED(hr = bitsdo_remote_classify(remote, &f.kind)))
        goto done;
    if (!(transport = find_transport(f.kind))) {
        /* Accepted by AddFile, but no transport in this build runs it. */
        hr = BITSDO_BG_E_PROTOCOL_NOT_AVAILABLE;
        goto done;
    }
    /* Wait for our turn before touching anything. */
    if (FAILED(hr = bitsdo_sched_enter(&f.slot)))
        goto done;
    {
        BITSDO_PROF_START(t_open);

        hr = open_temp(job, file, f.in_place, &f.temp, &f.offset);
        BITSDO_PROF_STOP(BITSDO_PROF_OPEN, t_open);
    }
    if (FAILED(hr)) {
        *error_context = BG_ERROR_CONTEXT_LOCAL_FILE;
        *transient = hr == HRESULT_FROM_WIN32(ERROR_DISK_FULL) ||
                     hr == HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION);
        goto done;
    }

    AcquireSRWLockExclusive(&job->lock);
    if (bitsdo__read_long(&job->run_gen) != gen) {
        ReleaseSRWLockExclusive(&job->lock);
        hr = E_ABORT;
        goto close;
    }
    /* Every byte of the file is in its temp file and counted already: a
     * run stopped (Suspend, Pause) between the last write and the file's
     * end. There is nothing left to ask for; asking would only make the
     * transport start the file over (a range from its end is no range),
     * and its progress go back to 0 (tests/test_hammer.c saw it). */
    total = bitsdo__load64(&file->counters.bytes_total);
    if (!f.ranges && total && total != BITSDO_SIZE_UNKNOWN && f.offset == total) {
        ReleaseSRWLockExclusive(&job->lock);
        hr = S_OK;
    } else {
        job->fetch = &f;
        ReleaseSRWLockExclusive(&job->lock);

        f.error_context = BG_ERROR_CONTEXT_REMOTE_FILE;
        hr = transport->fetch(&f);

        AcquireSRWLockExclusive(&job->lock);
        job->fetch = NULL;
        ReleaseSRWLockExclusive(&job->lock);
    }

    if (SUCCEEDED(hr)) {
        /* The transport says it is done: believe the counters only. */
        total = bitsdo__load64(&file->counters.bytes_total);
        done = bitsdo__load64(&file->counters.bytes_transferred);
        if (total == BITSDO_SIZE_UNKNOWN) {
            bitsdo_counters_set_size(&job->rec.counters, &file->counters, done);
            bitsdo__job_publish_progress(job);
        } else if (done != total) {
            hr = HRESULT_FROM_WIN32(ERROR_HANDLE_EOF);
            f.error_context = BG_ERROR_CONTEXT_REMOTE_FILE;
            f.transient = TRUE;
        }
    }
    /* Every byte is in, but in the file we hold open: if that is no longer
     * the file under the temp name, the job fails with the file's error
     * (ERROR_FILE_NOT_FOUND, LOCAL_FILE), and Resume starts the file over
     * in a new temp file instead of leaving Complete nothing to move. */
    if (SUCCEEDED(hr) && !temp_in_place(&f)) {
        forget_temp(&f);
        hr = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
        f.error_context = BG_ERROR_CONTEXT_LOCAL_FILE;
        f.transient = FALSE;
    }
    /* A facade that wants the bytes elsewhere (a DO stream) takes them now,
     * while the file is not yet done: a failure fails the file. */
    if (SUCCEEDED(hr) && job->file_sink && FAILED(hr = job->file_sink(job, index, f.temp, gen)) &&
        hr != E_ABORT) {
        f.error_context = BG_ERROR_CONTEXT_LOCAL_FILE;
        f.transient = FALSE;
    }
    *error_context = f.error_context;
    *transient = f.transient;
close:
    CloseHandle(f.temp);
    /* A delete that waited for our handle (Windows' delete pending, and
     * Wine's too while the handle was open) happens now: check again. */
    if (SUCCEEDED(hr) && !temp_exists(&f)) {
        forget_temp(&f);
        hr = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
        *error_context = BG_ERROR_CONTEXT_LOCAL_FILE;
        *transient = FALSE;
    }
done:
    bitsdo_sched_leave(&f.slot);
    free(f.ranges);
    free(remote);
    return hr;
}
