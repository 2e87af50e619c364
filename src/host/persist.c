/* Keeping the host's jobs in the per-user store (docs/hosting.md, section 6).
 *
 * The engine knows nothing of the store: it calls two hooks. `changed`
 * (any change of a job's record: a property, the file list, a state, a
 * file done, an error) only wakes the writer thread; `removed` (Cancel,
 * Complete; for a group, CancelGroup) queues the job's id for deletion and
 * wakes it. A facade whose own data changed (a group property) calls
 * bitsdo_job_facade_changed, which bumps the job's facade_gen and calls
 * `changed`. The writer, one thread, makes passes: each job whose record
 * or facade changed since its last write is written at once; a job whose
 * only news is bytes moved is written at most once a second (PROGRESS_MS);
 * then the queued ids are deleted. Writes before deletes in every pass, and
 * a removed job is never written again (final-state jobs are skipped; a
 * group only while it is not gone, and gone is for good), so a removed
 * job's record cannot come back. The record is serialised under
 * the job's shared lock, and written to disk (bitsdo_store_put, crash-safe)
 * with no lock held.
 *
 * Which jobs (docs/hosting.md, "What is kept"): BITS-compatible jobs (the
 * job record), DO downloads (the job record and the download's facade
 * record, facaderec.h) and BITS 1.0 groups (the same, from the queue, not
 * the engine list: a complete group is out of the engine's list but still
 * shown until CancelGroup). A DO download is restored only when NonVolatile
 * is TRUE; a volatile one that has temp files is written too, as a note for
 * the next host to delete them and the record (after a hard kill nothing
 * else would), and is never restored.
 *
 * After a crash the byte counts come from the record, which is at most a
 * second old, and fetch.c keeps of a temp file only what is both counted
 * and on disk: no byte that was not really written is ever trusted. */
#include "legacy.h"
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

/* The store kind of a job's family, or 0 for a job never written. */
static uint32_t kind_of(bitsdo_job *job)
{
    if (job->events == &bitsdo_bits_events)
        return BITSDO_STORE_KIND_BITS_JOB;
    if (job->events == &bitsdo_do_events)
        return BITSDO_STORE_KIND_DO_DOWNLOAD;
    if (job->events == &bitsdo_qm_events)
        return BITSDO_STORE_KIND_QM_GROUP;
    return 0;
}

static void on_changed(bitsdo_job *job)
{
    if (kind_of(job))
        SetEvent(wake);
}

static void on_removed(bitsdo_job *job)
{
    uint32_t kind = kind_of(job);

    if (!kind)
        return;
    /* A group leaves the engine's list when it completes; its record goes
     * only once the group is gone (cancelled, or out of the queue). */
    if (kind == BITSDO_STORE_KIND_QM_GROUP && bitsdo_qm_phase_of(job) != BITSDO_QM_GONE)
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

static BOOL has_temp_locked(bitsdo_job *job)
{
    uint32_t i;

    for (i = 0; i < job->rec.file_count; i++)
        if (job->rec.files[i]->temp_name)
            return TRUE;
    return FALSE;
}

/* force: the last pass before the host stops writes new bytes at once. */
static void write_job(bitsdo_job *job, uint32_t kind, ULONGLONG now, BOOL force)
{
    bitsdo_store_section sections[2];
    bitsdo_facade_rec facade;
    bitsdo_filetime modified;
    bitsdo_progress progress;
    uint8_t *buf = NULL, *extra = NULL;
    size_t len = 0, extra_len = 0;
    BOOL keep = TRUE, facade_ok = FALSE;
    LONG gen;
    HRESULT hr;

    /* Outside the job's lock: these take it themselves. */
    if (kind == BITSDO_STORE_KIND_QM_GROUP && bitsdo_qm_phase_of(job) == BITSDO_QM_GONE)
        return;
    if (kind == BITSDO_STORE_KIND_DO_DOWNLOAD)
        keep = bitsdo_dodownload_non_volatile(job);

    gen = bitsdo__read_long(&job->facade_gen);
    AcquireSRWLockShared(&job->lock);
    modified = job->rec.modified;
    bitsdo_counters_read(&job->rec.counters, &progress);
    if ((bitsdo_state_is_final(job->rec.state) && kind != BITSDO_STORE_KIND_QM_GROUP) ||
        /* a volatile download: only a note of its temp files (or one that
         * replaces the record it had while it was NonVolatile) */
        (!keep && !has_temp_locked(job) && !job->persisted_tick) ||
        (modified == job->persisted_modified && gen == job->persisted_facade_gen &&
         (!keep || progress.bytes_transferred == job->persisted_bytes ||
          (!force && now - job->persisted_tick < PROGRESS_MS)))) {
        ReleaseSRWLockShared(&job->lock);
        return;
    }
    hr = bitsdo_job_rec_write(&job->rec, &buf, &len);
    if (SUCCEEDED(hr) && kind == BITSDO_STORE_KIND_DO_DOWNLOAD)
        facade_ok = SUCCEEDED(hr = bitsdo_dodownload_save_locked(job, &facade));
    ReleaseSRWLockShared(&job->lock);
    if (SUCCEEDED(hr) && kind == BITSDO_STORE_KIND_QM_GROUP)
        facade_ok = SUCCEEDED(hr = bitsdo_qm_group_save(job, &facade));
    if (facade_ok) {
        hr = bitsdo_facade_rec_write(&facade, &extra, &extra_len);
        bitsdo_facade_rec_free(&facade);
    }
    if (FAILED(hr)) {
        free(buf);
        return;
    }
    sections[0].id = BITSDO_STORE_SECTION_JOB;
    sections[0].data = buf;
    sections[0].len = (uint32_t)len;
    sections[1].id = BITSDO_STORE_SECTION_FACADE;
    sections[1].data = extra;
    sections[1].len = (uint32_t)extra_len;
    if (SUCCEEDED(bitsdo_store_put(store, (const GUID *)job->rec.id, kind, sections, extra ? 2 : 1))) {
        job->persisted_modified = modified;
        job->persisted_facade_gen = gen;
        job->persisted_bytes = progress.bytes_transferred;
        job->persisted_tick = now;
    }
    free(extra);
    free(buf);
}

static BOOL persisted_filter(bitsdo_job *job, void *ctx)
{
    uint32_t kind = kind_of(job);

    (void)ctx;
    /* Groups are written from the queue (complete ones too). */
    return kind == BITSDO_STORE_KIND_BITS_JOB || kind == BITSDO_STORE_KIND_DO_DOWNLOAD;
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
            write_job(jobs[i], kind_of(jobs[i]), now, force);
        bitsdo_job_list_free(jobs, n);
    }
    if (SUCCEEDED(bitsdo_qm_queue_list(&jobs, &n))) {
        for (i = 0; i < n; i++)
            write_job(jobs[i], BITSDO_STORE_KIND_QM_GROUP, now, force);
        bitsdo_job_list_free(jobs, n);
    }
    /* Deletes after writes: a removal noted during the writes above wins. */
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

/* Records to delete after loading: jobs that had ended (their host died
 * before deleting them) and volatile DO downloads. */
typedef struct load_ctx {
    GUID *ended;
    size_t ended_count, ended_cap;
} load_ctx;

/* Deletes a stored job's temp files and notes its record for deletion. */
static HRESULT drop_stored(load_ctx *ctx, const GUID *id, const bitsdo_job_rec *rec)
{
    uint32_t i;

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

/* Just read: nothing to write until it changes. */
static void mark_written(bitsdo_job *job)
{
    AcquireSRWLockShared(&job->lock);
    job->persisted_modified = job->rec.modified;
    job->persisted_bytes = bitsdo__load64(&job->rec.counters.bytes_transferred);
    ReleaseSRWLockShared(&job->lock);
    job->persisted_facade_gen = bitsdo__read_long(&job->facade_gen);
    job->persisted_tick = GetTickCount64();
}

static HRESULT load_one(void *ctx_, const GUID *id, uint32_t kind, bitsdo_job_rec *rec,
                        const bitsdo_store_section *sections, uint32_t n)
{
    load_ctx *ctx = ctx_;
    const bitsdo_store_section *section = NULL;
    bitsdo_facade_rec facade;
    bitsdo_job *job;
    uint32_t i;
    HRESULT hr;

    if (kind != BITSDO_STORE_KIND_BITS_JOB && kind != BITSDO_STORE_KIND_DO_DOWNLOAD &&
        kind != BITSDO_STORE_KIND_QM_GROUP)
        return E_NOTIMPL; /* kept on disk, untouched */
    if (kind == BITSDO_STORE_KIND_BITS_JOB) {
        if (bitsdo_state_is_final(rec->state))
            return drop_stored(ctx, id, rec);
        if (FAILED(hr = bitsdo_job_adopt(rec, &bitsdo_bits_events, NULL, &job)))
            return hr;
        mark_written(job);
        bitsdo_job_release(job);
        return S_OK;
    }

    for (i = 0; i < n; i++)
        if (sections[i].id == BITSDO_STORE_SECTION_FACADE)
            section = &sections[i];
    bitsdo_facade_rec_init(&facade, 0);
    /* A facade this version cannot read (a newer major version): the
     * record stays on disk, untouched, for the version that wrote it. */
    if (!section || FAILED(bitsdo_facade_rec_read(section->data, section->len, &facade)))
        return E_NOTIMPL;
    if (kind == BITSDO_STORE_KIND_DO_DOWNLOAD) {
        if (facade.kind != BITSDO_FACADEREC_DO_DOWNLOAD) {
            hr = E_NOTIMPL;
        } else if (!facade.dl.non_volatile || bitsdo_state_is_final(rec->state)) {
            /* Volatile (DO's default) or over: gone with its temp files. */
            hr = drop_stored(ctx, id, rec);
        } else if (SUCCEEDED(hr = bitsdo_dodownload_restore(rec, &facade, &job))) {
            mark_written(job);
            bitsdo_job_release(job);
        }
    } else {
        if (facade.kind != BITSDO_FACADEREC_QM_GROUP)
            hr = E_NOTIMPL;
        else if (rec->state == BITSDO_STATE_CANCELLED)
            hr = drop_stored(ctx, id, rec);
        else if (SUCCEEDED(hr = bitsdo_qm_group_restore(rec, &facade, &job))) {
            mark_written(job);
            bitsdo_job_release(job);
        } else if (hr == E_INVALIDARG) {
            /* Gone (an acknowledged group that lost files): nothing to show. */
            hr = drop_stored(ctx, id, rec);
        }
    }
    bitsdo_facade_rec_free(&facade);
    return hr;
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
