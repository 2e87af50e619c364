/* A job as plain data: everything that makes up a job's state, and nothing
 * that belongs to one process (no handles, locks or interface pointers).
 * It can be written to bytes, read back, and shared; the later hosting and
 * persistence work stands on this. The Win32 engine wraps one of these with
 * its lock, worker and notification plumbing. */
#ifndef BITSDO_CORE_JOBREC_H
#define BITSDO_CORE_JOBREC_H

#include "progress.h"
#include "state.h"
#include "types.h"

/* What the core accepts at most, in a job and in a record read back. The
 * limits a job gets are lower: Windows' BITS policies MaxFilesPerJob and
 * MaxRangesPerFile (src/transfer/policy.h), whose defaults are these. */
#define BITSDO_MAX_FILES_PER_JOB 10000
#define BITSDO_MAX_RANGES_PER_FILE 65536
#define BITSDO_DEFAULT_FILES_PER_JOB 200
#define BITSDO_DEFAULT_RANGES_PER_FILE 4096
/* Jobs: what one process (the host, or a client of the private classes)
 * holds at most, whatever the policies MaxJobsPerUser and MaxJobsPerMachine
 * say; their defaults are Windows' own. */
#define BITSDO_MAX_JOBS 100000
#define BITSDO_DEFAULT_JOBS_PER_USER 60
#define BITSDO_DEFAULT_JOBS_PER_MACHINE 300

typedef struct bitsdo_range {
    uint64_t offset;
    uint64_t length;        /* UINT64_MAX (BG_LENGTH_TO_EOF): to the end */
} bitsdo_range;

typedef struct bitsdo_file_rec {
    bitsdo_wchar *remote_name;
    bitsdo_wchar *local_name;
    bitsdo_wchar *temp_name;        /* NULL until a transfer has started */
    bitsdo_range *ranges;           /* NULL: the whole file */
    uint32_t range_count;
    uint32_t validation_state;      /* IBackgroundCopyFile3 (BOOL) */
    bitsdo_wchar *validator;        /* ETag or Last-Modified first seen, NULL if none */
    bitsdo_filetime remote_mtime;   /* of the source, 0 if unknown */
    bitsdo_wchar *file_id;          /* IDeliveryOptimizationJob fileId, NULL if none */
    bitsdo_file_counters counters;
    /* Of the bytes counted, how many came from a DO cache host, and how
     * many requests a cache host answered (DOSwarmStats bytesFromDoinc and
     * doincConnectionCount); the rest came from the origin. */
    bitsdo_atomic_u64 cache_bytes;
    bitsdo_atomic_u32 cache_requests;
    /* Moved to its final name by a Complete that then failed on a later
     * file (engine.c); in memory only, not in the record. */
    uint32_t committed;
} bitsdo_file_rec;

typedef struct bitsdo_job_rec {
    uint8_t id[16];                 /* the job GUID, in GUID memory layout */
    uint32_t type;                  /* BG_JOB_TYPE */
    uint32_t priority;              /* BG_JOB_PRIORITY */
    bitsdo_state state;
    bitsdo_wchar *display_name;
    bitsdo_wchar *description;
    bitsdo_wchar *owner_sid;        /* "S-1-5-..." */
    bitsdo_wchar *notify_program;   /* IBackgroundCopyJob2 SetNotifyCmdLine */
    bitsdo_wchar *notify_parameters;
    uint32_t notify_flags;
    uint32_t min_retry_delay;       /* seconds */
    uint32_t no_progress_timeout;   /* seconds */
    uint32_t error_count;
    bitsdo_filetime created, modified, transfer_completed;
    uint32_t proxy_usage;           /* BG_JOB_PROXY_USAGE */
    bitsdo_wchar *proxy_list;
    bitsdo_wchar *proxy_bypass;
    /* last error, valid in ERROR and TRANSIENT_ERROR */
    bitsdo_hr error_hr;
    uint32_t error_context;         /* BG_ERROR_CONTEXT */
    int32_t error_file;             /* index into files, -1 for none */
    /* IBackgroundCopyJob4 / Job5 */
    uint32_t peer_caching_flags;
    uint32_t file_acl_flags;
    uint32_t max_download_time;     /* seconds, 0 = no limit */
    uint32_t cost_flags;
    uint32_t dynamic_content;       /* BOOL */
    uint32_t high_performance;      /* BOOL */
    uint64_t max_download_size;     /* bytes, 0 = no limit */
    uint32_t min_notify_interval_ms;
    bitsdo_wchar *http_headers;     /* IBackgroundCopyJobHttpOptions custom headers */
    uint32_t security_flags;        /* IBackgroundCopyJobHttpOptions */
    uint32_t file_count;
    uint32_t file_cap;
    bitsdo_file_rec **files;        /* each allocated on its own: pointers stay valid */
    bitsdo_counters counters;
} bitsdo_job_rec;

/* Defaults of a new job: SUSPENDED, NORMAL priority, notify flags
 * TRANSFERRED|ERROR, retry delay 600 s, no-progress timeout 1,209,600 s. */
void bitsdo_job_rec_init(bitsdo_job_rec *rec);
void bitsdo_job_rec_free(bitsdo_job_rec *rec);

/* Appends a file (names copied). ranges may be NULL. Returns S_OK,
 * BG_E_TOO_MANY_FILES_IN_JOB past BITSDO_MAX_FILES_PER_JOB (the code the
 * AddFile documentation gives for the per-job limit; BG_E_TOO_MANY_FILES is
 * the upload-job one), BG_E_TOO_MANY_RANGES_IN_FILE past
 * BITSDO_MAX_RANGES_PER_FILE, E_INVALIDARG for NULL names (or NULL ranges
 * with a count), E_OUTOFMEMORY. Counters are updated: size unknown unless
 * ranges make it known (their lengths summed, none BG_LENGTH_TO_EOF).
 * Names and ranges are not validated here (see names.h). */
bitsdo_hr bitsdo_job_rec_add_file(bitsdo_job_rec *rec, const bitsdo_wchar *remote,
                                  const bitsdo_wchar *local,
                                  const bitsdo_range *ranges, uint32_t range_count);

/* Sets a string field: frees the old value, copies the new one (NULL clears).
 * E_OUTOFMEMORY leaves the field as it was; value may be the field's own
 * current string. */
bitsdo_hr bitsdo_set_wstr(bitsdo_wchar **field, const bitsdo_wchar *value);

/* Writes the whole record (with counter values) to a malloc'ed buffer in a
 * versioned tag-length-value format (described in jobrec.c). E_INVALIDARG
 * for NULL arguments or an inconsistent file list, E_OUTOFMEMORY. */
bitsdo_hr bitsdo_job_rec_write(const bitsdo_job_rec *rec, uint8_t **buf, size_t *len);
/* Reads a record written by bitsdo_job_rec_write into an initialised rec
 * (whatever rec held is freed first). Malformed or truncated input:
 * E_INVALIDARG (E_OUTOFMEMORY if memory ran out), rec left freed and
 * initialised; never reads outside buf, safe on arbitrary bytes. Unknown
 * tags are skipped. The job counters are rebuilt from the files' counters. */
bitsdo_hr bitsdo_job_rec_read(const uint8_t *buf, size_t len, bitsdo_job_rec *rec);

#endif
