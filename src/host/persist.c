/* Keeping the host's jobs in the per-user store (docs/hosting.md, section 6).
 *
 * The engine knows nothing of the store: it calls two hooks. `changed`
 * (any change of a job's record: a property, the file list, a state, a
 * file done, an error) only wakes the writer thread; `removed` (Cancel,
 * Complete) queues the job's id for deletion and wakes it. The writer, one
 * thread, makes passes: each job whose record changed since its last write
 * is written at once; a job whose only news is bytes moved is written at
 * most once a second (PROGRESS_MS); then the queued ids are deleted. Writes
 * before deletes in every pass, and final-state jobs are never written, so
 * a removed job's record cannot come back. The record is serialised under
 * the job's shared lock, and written to disk (bitsdo_store_put, crash-safe)
 * with no lock held.
 *
 * Which jobs: BITS-compatible jobs. DO downloads are volatile by default
 * and BITS 1.0 groups carry facade data of their own: neither is written
 * yet (README says so).
 *
 * After a crash the byte counts come from the record, which is at most a
 * second old, and fetch.c keeps of a temp file only what is both counted
 * and on disk: no byte that was not really written is ever trusted. */
#include "objects.h"
#include "persist.h"
#include "store.h"

#include <stdlib.h>

#define PROGRESS_MS 1000

static bitsdo_store *store;
static HANDLE wake, thread;
static volatile LONG stopping;
static SRWLOCK gone_lock = SRWLOCK_INIT;
static GUID *gone;
static size_t gone_count, gone_cap;

static BOOL persisted(bitsdo_job *job)
{
    return job->events == &bitsdo_bits_events;
}

static void on_changed(bitsdo_job *job)
{
    if (persisted(job))
        SetEvent(wake);
}

static void on_removed(bitsdo_job *job)
{
    if (!persisted(job))
        return;
    AcquireSRWLockExclusive(&gone_lock);
    if (gone_count == gone_cap) {
        size_t cap = gone_cap ? gone_cap * 2 : 16;
        GUID *grown = realloc(gone, cap * sizeof(*gone));

        if (grown)
            gone = grown, gone_cap = cap;
    }
    if (gone_count < gone_cap)
        memcpy(&gone[gone_count++], job->rec.id, sizeof(GUID));
    ReleaseSRWLockExclusive(&gone_lock);
    SetEvent(wake);
}

static const bitsdo_engine_hooks persist_hooks = {on_changed, on_removed};

/* force: the last pass before the host stops writes new bytes at once. */
static void write_job(bitsdo_job *job, ULONGLONG now, BOOL force)
{
    bitsdo_store_section section;
    bitsdo_filetime modified;
    bitsdo_progress progress;
    uint8_t *buf = NULL;
    size_t len = 0;
    HRESULT hr;

    AcquireSRWLockShared(&job->lock);
    modified = job->rec.modified;
    bitsdo_counters_read(&job->rec.counters, &progress);
    if (bitsdo_state_is_final(job->rec.state) ||
        (modified == job->persisted_modified &&
         (progress.bytes_transferred == job->persisted_bytes ||
          (!force && now - job->persisted_tick < PROGRESS_MS)))) {
        ReleaseSRWLockShared(&job->lock);
        return;
    }
    hr = bitsdo_job_rec_write(&job->rec, &buf, &len);
    ReleaseSRWLockShared(&job->lock);
    if (FAILED(hr))
        return;
    section.id = BITSDO_STORE_SECTION_JOB;
    section.data = buf;
    section.len = (uint32_t)len;
    if (SUCCEEDED(bitsdo_store_put(store, (const GUID *)job->rec.id, BITSDO_STORE_KIND_BITS_JOB, &section, 1))) {
        job->persisted_modified = modified;
        job->persisted_bytes = progress.bytes_transferred;
        job->persisted_tick = now;
    }
    free(buf);
}

static BOOL persisted_filter(bitsdo_job *job, void *ctx)
{
    (void)ctx;
    return persisted(job);
}

static void pass(BOOL force)
{
    ULONGLONG now = GetTickCount64();
    bitsdo_job **jobs;
    GUID *ids;
    size_t n_ids, i;
    ULONG n;

    if (SUCCEEDED(bitsdo_job_list(&jobs, &n, persisted_filter, NULL))) {
        for (i = 0; i < n; i++)
            write_job(jobs[i], now, force);
        bitsdo_job_list_free(jobs, n);
    }
    AcquireSRWLockExclusive(&gone_lock);
    ids = gone;
    n_ids = gone_count;
    gone = NULL;
    gone_count = gone_cap = 0;
    ReleaseSRWLockExclusive(&gone_lock);
    for (i = 0; i < n_ids; i++)
        bitsdo_store_delete(store, &ids[i]);
    free(ids);
}

static DWORD WINAPI writer_main(void *arg)
{
    (void)arg;
    for (;;) {
        BOOL last = bitsdo__read_long(&stopping) != 0;

        pass(last);
        if (last)
            return 0;
        WaitForSingleObject(wake, PROGRESS_MS);
    }
}

/* A record of a job that had ended (its host died before deleting it):
 * its temp files go, and so does the record (after loading). */
typedef struct load_ctx {
    GUID *ended;
    size_t ended_count, ended_cap;
} load_ctx;

static HRESULT load_one(void *ctx_, const GUID *id, uint32_t kind, bitsdo_job_rec *rec,
                        const bitsdo_store_section *sections, uint32_t n)
{
    load_ctx *ctx = ctx_;
    bitsdo_job *job;
    uint32_t i;
    HRESULT hr;

    (void)sections;
    (void)n;
    if (kind != BITSDO_STORE_KIND_BITS_JOB)
        return E_NOTIMPL; /* kept on disk, untouched */
    if (bitsdo_state_is_final(rec->state)) {
        for (i = 0; i < rec->file_count; i++)
            if (rec->files[i]->temp_name)
                DeleteFileW((const WCHAR *)rec->files[i]->temp_name);
        if (ctx->ended_count == ctx->ended_cap) {
            size_t cap = ctx->ended_cap ? ctx->ended_cap * 2 : 8;
            GUID *grown = realloc(ctx->ended, cap * sizeof(*grown));

            if (!grown)
                return E_OUTOFMEMORY;
            ctx->ended = grown;
            ctx->ended_cap = cap;
        }
        ctx->ended[ctx->ended_count++] = *id;
        return S_OK;
    }
    if (FAILED(hr = bitsdo_job_adopt(rec, &bitsdo_bits_events, NULL, &job)))
        return hr;
    /* Just read: nothing to write until it changes. */
    AcquireSRWLockShared(&job->lock);
    job->persisted_modified = job->rec.modified;
    job->persisted_bytes = bitsdo__load64(&job->rec.counters.bytes_transferred);
    ReleaseSRWLockShared(&job->lock);
    job->persisted_tick = GetTickCount64();
    bitsdo_job_release(job);
    return S_OK;
}

HRESULT bitsdo_persist_start(void)
{
    load_ctx ctx = {0};
    size_t i;
    HRESULT hr;

    if (FAILED(hr = bitsdo_store_open(NULL, &store)))
        return hr;
    if (!(wake = CreateEventW(NULL, FALSE, FALSE, NULL))) {
        hr = HRESULT_FROM_WIN32(GetLastError());
        bitsdo_store_close(store);
        store = NULL;
        return hr;
    }
    bitsdo_engine_set_hooks(&persist_hooks);
    hr = bitsdo_store_load_all(store, load_one, &ctx, NULL);
    for (i = 0; i < ctx.ended_count; i++)
        bitsdo_store_delete(store, &ctx.ended[i]);
    free(ctx.ended);
    InterlockedExchange(&stopping, 0);
    if (!(thread = CreateThread(NULL, 0, writer_main, NULL, 0, NULL)))
        return HRESULT_FROM_WIN32(GetLastError());
    return hr;
}

void bitsdo_persist_stop(void)
{
    if (!store)
        return;
    if (thread) {
        InterlockedExchange(&stopping, 1);
        SetEvent(wake);
        /* One last pass of disk writes; bounded all the same. */
        WaitForSingleObject(thread, 60000);
        CloseHandle(thread);
        thread = NULL;
    } else {
        pass(TRUE);
    }
    bitsdo_store_close(store);
    store = NULL;
}
