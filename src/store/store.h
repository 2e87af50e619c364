/* The per-user job store (docs/hosting.md section 6): one file per job,
 * `{GUID}.job`, in %LOCALAPPDATA%\bitsdo\jobs (or BITSDO_STORE_DIR, or a
 * folder the caller names). Each file is one store record
 * (src/core/storerec.h): a kind, a job record section, the facade's extras
 * and the DPAPI-protected credentials.
 *
 * Invariants:
 * - A put is crash-safe: the record is written to `tmp\{GUID}.tmp` (a
 *   subfolder of the store, on its volume), flushed, then moved over
 *   `{GUID}.job` (MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH). At
 *   any instant `{GUID}.job` is either the old record or the new one,
 *   never a mix. A `.tmp` found at load (in `tmp\`, or beside the records
 *   where versions before it wrote them) was never committed and is
 *   deleted. The temp files have a folder of their own because under Wine
 *   creating a file of a name not there yet reads the whole folder (its
 *   case-insensitive lookup): in the records' folder every put would cost
 *   a scan of N records; moving onto an existing `{GUID}.job` costs none.
 * - A record that fails its frame, length, CRC or job record (or whose job
 *   id is not its file name) is never loaded: it is renamed
 *   `{GUID}.bad-<yyyymmddhhmmss>` (never deleted), a line naming it goes to
 *   `host.log` in the store's parent folder, and loading goes on.
 * - Every call is thread-safe: one lock serialises the calls on a store.
 * - Nothing secret is written in clear: credentials go in as the output of
 *   bitsdo_store_protect (CryptProtectData, user scope).
 * The store knows nothing of COM or of the engine: the engine calls it. */
#ifndef BITSDO_STORE_STORE_H
#define BITSDO_STORE_STORE_H

#include <windows.h>

#include "jobrec.h"
#include "storerec.h"

typedef struct bitsdo_store bitsdo_store;

/* Opens (creating it and its parents if needed) the store folder: `dir`,
 * else the environment variable BITSDO_STORE_DIR, else
 * %LOCALAPPDATA%\bitsdo\jobs. S_OK; E_POINTER for a NULL out; E_OUTOFMEMORY;
 * the Win32 error (as an HRESULT) if the folder cannot be created. */
HRESULT bitsdo_store_open(const WCHAR *dir, bitsdo_store **out);
void bitsdo_store_close(bitsdo_store *store);
/* The store's folder (no trailing backslash), valid until close. */
const WCHAR *bitsdo_store_dir(const bitsdo_store *store);

/* Writes (or replaces) the record of job `id`, crash-safe. sections[0..n)
 * must hold a BITSDO_STORE_SECTION_JOB section whose job record has the id
 * `id` (E_INVALIDARG otherwise, and for a zero kind, repeated or zero
 * section ids, more than BITSDO_STOREREC_MAX_SECTIONS). E_OUTOFMEMORY, or
 * the Win32 error of the write, flush or move; on any failure the previous
 * record is untouched. */
HRESULT bitsdo_store_put(bitsdo_store *store, const GUID *id, uint32_t kind,
                         const bitsdo_store_section *sections, uint32_t n);
/* Convenience: writes `rec` (bitsdo_job_rec_write) as the job section,
 * followed by `extras` (the facade's, may be NULL/0) and `credentials`
 * (a bitsdo_store_protect blob, may be NULL/0). */
HRESULT bitsdo_store_put_job(bitsdo_store *store, uint32_t kind, const bitsdo_job_rec *rec,
                             const void *extras, uint32_t extras_len, const void *credentials,
                             uint32_t credentials_len);

/* Removes the record of job `id` (and a leftover `tmp\{GUID}.tmp`). S_OK,
 * S_FALSE when there was none, or the Win32 error. */
HRESULT bitsdo_store_delete(bitsdo_store *store, const GUID *id);

/* Called once per good record. `rec` is the parsed job record: the callback
 * may take its contents (copy the struct, then bitsdo_job_rec_init(rec)),
 * whatever is left is freed after the call. `sections` (all of them, the
 * job section included) point into a buffer that lives only during the
 * call. A failure result counts the record as rejected (it stays on disk,
 * untouched) and loading goes on. The store's lock is held during the call:
 * the callback must not call the store (hand the job to the engine, and
 * put it later). */
typedef HRESULT (*bitsdo_store_load_cb)(void *ctx, const GUID *id, uint32_t kind, bitsdo_job_rec *rec,
                                        const bitsdo_store_section *sections, uint32_t n);

typedef struct bitsdo_store_bad {
    WCHAR *name;        /* the file's name as it was, e.g. "{GUID}.job" */
    WCHAR *renamed;     /* its name now, "{GUID}.bad-<time>"; NULL if the rename failed */
    const char *reason; /* static text: "CRC mismatch", ... */
} bitsdo_store_bad;

typedef struct bitsdo_store_report {
    uint32_t loaded;      /* good records the callback accepted */
    uint32_t rejected;    /* good records the callback failed */
    uint32_t set_aside;   /* bad records: entries of `bad` */
    uint32_t skipped;     /* records of a kind this version does not know: left in place */
    uint32_t unreadable;  /* files that could not be opened or read: left in place */
    uint32_t tmp_removed; /* uncommitted `.tmp` files deleted */
    bitsdo_store_bad *bad;
} bitsdo_store_report;

/* Loads every `*.job` of the store (after deleting leftover `.tmp` files),
 * calling `cb` for each good one, setting bad ones aside. `report` may be
 * NULL; else it is filled (free it with bitsdo_store_report_free). S_OK
 * when the folder could be listed (whatever the records held), else the
 * Win32 error; E_INVALIDARG for a NULL store or callback. */
HRESULT bitsdo_store_load_all(bitsdo_store *store, bitsdo_store_load_cb cb, void *ctx,
                              bitsdo_store_report *report);
void bitsdo_store_report_free(bitsdo_store_report *report);

/* Reads one record without touching the folder: S_OK after `cb` ran (its
 * result is returned if it failed), HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)
 * when there is none, HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT) for a bad one
 * (not set aside here: load_all does that). */
HRESULT bitsdo_store_get(bitsdo_store *store, const GUID *id, bitsdo_store_load_cb cb, void *ctx);

/* DPAPI, user scope, no UI, with a fixed bitsdo entropy: `*blob` is a
 * malloc'ed copy of CryptProtectData's output (free with free()).
 * unprotect gives back the secret in a malloc'ed buffer: wipe and free it
 * with bitsdo_store_free_secret. E_POINTER, E_OUTOFMEMORY, or the error of
 * CryptProtectData / CryptUnprotectData. */
HRESULT bitsdo_store_protect(const void *secret, size_t len, uint8_t **blob, size_t *blob_len);
HRESULT bitsdo_store_unprotect(const void *blob, size_t blob_len, uint8_t **secret, size_t *len);
void bitsdo_store_free_secret(void *secret, size_t len);

/* Test seam: the next put of this store writes only the first `bytes`
 * bytes of its `.tmp` file, then stops as a crash would (no flush, no
 * move; the `.tmp` stays) and returns E_ABORT. One shot; a negative value
 * turns it off. */
void bitsdo_store_test_crash_after(bitsdo_store *store, LONGLONG bytes);

#endif
