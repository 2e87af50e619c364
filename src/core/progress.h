/* Progress counters: the byte and file counts behind every GetProgress.
 *
 * One seqlock per job guards the job's aggregate counters and the counters
 * of each of its files. Writers (the transfer worker, AddFile, a restart)
 * serialise on the sequence word itself; readers never block and retry
 * until they saw a stable, even sequence, so a snapshot is never torn:
 * BytesTransferred never exceeds BytesTotal in one reading, and
 * FilesTransferred never counts a file whose bytes are not all counted.
 */
#ifndef BITSDO_CORE_PROGRESS_H
#define BITSDO_CORE_PROGRESS_H

#include "atomic.h"
#include "types.h"

typedef struct bitsdo_progress {
    uint64_t bytes_total;       /* BITSDO_SIZE_UNKNOWN while any size is unknown */
    uint64_t bytes_transferred;
    uint32_t files_total;
    uint32_t files_transferred;
} bitsdo_progress;

typedef struct bitsdo_file_counters {
    bitsdo_atomic_u64 bytes_total;       /* BITSDO_SIZE_UNKNOWN until known */
    bitsdo_atomic_u64 bytes_transferred;
    bitsdo_atomic_u32 completed;         /* 1 once every byte is in */
} bitsdo_file_counters;

typedef struct bitsdo_counters {
    bitsdo_atomic_u32 seq;               /* odd while a writer is inside */
    bitsdo_atomic_u64 known_bytes;       /* sum of the known file sizes */
    bitsdo_atomic_u64 bytes_transferred;
    bitsdo_atomic_u32 files_total;
    bitsdo_atomic_u32 files_transferred;
    bitsdo_atomic_u32 files_unknown;     /* files whose size is unknown */
} bitsdo_counters;

void bitsdo_counters_init(bitsdo_counters *c);
void bitsdo_file_counters_init(bitsdo_file_counters *f);

/* Writers. Each is one atomic step as seen by readers; writers on several
 * threads are serialised by the sequence word (they spin, briefly). */
/* Counts a new file of the given size (BITSDO_SIZE_UNKNOWN if not known);
 * f is (re)initialised: nothing transferred, not complete. */
void bitsdo_counters_add_file(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t size);
/* Sets (or forgets, with BITSDO_SIZE_UNKNOWN) a file's size. A known size
 * below the bytes already counted means the file changed: its transferred
 * count goes back to 0. A completed file whose size no longer equals its
 * transferred count is no longer complete. */
void bitsdo_counters_set_size(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t size);
/* Adds n bytes; never moves a file past its known size (returns 0 and adds
 * nothing if it would). Returns 1 on success (n == 0 always succeeds). */
int bitsdo_counters_add_bytes(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t n);
/* Sets the bytes already present (resume) or 0 (restart); clears completion.
 * n is capped at the file's known size. */
void bitsdo_counters_set_bytes(bitsdo_counters *c, bitsdo_file_counters *f, uint64_t n);
/* Marks a file complete: what was transferred is the file, so its size
 * becomes the transferred count (if it was unknown, or disagreed). No-op on
 * a file already complete. */
void bitsdo_counters_file_done(bitsdo_counters *c, bitsdo_file_counters *f);

/* Readers: lock-free, consistent snapshots. The job's bytes_total is
 * BITSDO_SIZE_UNKNOWN while any file's size is unknown, else the sum of
 * the file sizes. Output pointers of read_file may be NULL. */
void bitsdo_counters_read(const bitsdo_counters *c, bitsdo_progress *out);
void bitsdo_counters_read_file(const bitsdo_counters *c, const bitsdo_file_counters *f,
                               uint64_t *bytes_total, uint64_t *bytes_transferred,
                               int *completed);

#endif
