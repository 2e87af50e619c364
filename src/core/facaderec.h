/* The facade's own part of a stored job (docs/hosting.md, "What is kept"):
 * what a DO download or a BITS 1.0 group keeps besides its job record
 * (jobrec.h). The store (src/store) writes it as the record's FACADE
 * section next to the job section; the record's frame (storerec.h) checks
 * it with its CRC-32, and the END field makes a truncation inside the
 * section detectable on its own. Portable, no I/O.
 *
 * Format (integers little-endian): "BDFR", major u16 (1), minor u16 (0),
 * then TLV fields (tlv.h) ending with tag 0 of length 0. A reader rejects
 * another major version and skips tags it does not know. Fields of the
 * other kind are rejected: a record holds one kind's fields only. */
#ifndef BITSDO_CORE_FACADEREC_H
#define BITSDO_CORE_FACADEREC_H

#include "jobrec.h"
#include "types.h"

#define BITSDO_FACADEREC_DO_DOWNLOAD 1u /* IDODownload */
#define BITSDO_FACADEREC_QM_GROUP    2u /* IBackgroundCopyGroup and its job */

typedef struct bitsdo_facade_do {
    uint32_t non_volatile;          /* BOOL: kept across host restarts */
    bitsdo_wchar *uri;              /* NULL until set */
    bitsdo_wchar *local_path;
    bitsdo_wchar *correlation_vector;
    uint32_t callback_freq_percent; /* 0..100 */
    uint32_t callback_freq_seconds;
    uint32_t cost_policy;           /* DODownloadCostPolicy */
    uint32_t blocking;              /* BOOL */
    uint32_t integrity_mandatory;   /* BOOL */
    uint32_t disallow_cellular;     /* BOOL */
    uint32_t total_size_set;        /* BOOL */
    uint64_t total_size;
    uint32_t started;               /* BOOL: Start added the file */
} bitsdo_facade_do;

typedef struct bitsdo_facade_qm {
    uint32_t has_job;               /* BOOL: CreateJob was called */
    uint8_t job_id[16];             /* the IBackgroundCopyJob1's GUID */
    uint32_t notify_flags;          /* QM_NOTIFY_* */
    uint32_t protocol;              /* GROUPPROP_PROTOCOLFLAGS */
    uint32_t has_notify_clsid;      /* BOOL */
    uint8_t notify_clsid[16];       /* GROUPPROP_NOTIFYCLSID */
    uint32_t progress_size;         /* GROUPPROP_PROGRESSSIZE */
    uint32_t progress_percent;      /* GROUPPROP_PROGRESSPERCENT, 0..100 */
    uint32_t percent_mark;          /* highest percent reported, 0..100 */
    uint32_t *size_hints;           /* FILESETINFO.dwSizeHint by file index */
    uint32_t hint_count;            /* at most BITSDO_MAX_FILES_PER_JOB */
} bitsdo_facade_qm;

typedef struct bitsdo_facade_rec {
    uint32_t kind;                  /* BITSDO_FACADEREC_* */
    bitsdo_facade_do dl;            /* kind DO_DOWNLOAD */
    bitsdo_facade_qm qm;            /* kind QM_GROUP */
} bitsdo_facade_rec;

/* Zeroes rec and sets kind (callers fill the fields they keep). */
void bitsdo_facade_rec_init(bitsdo_facade_rec *rec, uint32_t kind);
void bitsdo_facade_rec_free(bitsdo_facade_rec *rec);

/* Writes rec to a malloc'ed buffer. E_INVALIDARG for NULL arguments, an
 * unknown kind or values the reader would reject (hint_count past the
 * limit, hints NULL with a count); E_OUTOFMEMORY. */
bitsdo_hr bitsdo_facade_rec_write(const bitsdo_facade_rec *rec, uint8_t **buf, size_t *len);
/* Reads what bitsdo_facade_rec_write wrote into rec (freed and zeroed
 * first). E_INVALIDARG for anything malformed (rec left zeroed),
 * E_OUTOFMEMORY; never reads outside buf. */
bitsdo_hr bitsdo_facade_rec_read(const uint8_t *buf, size_t len, bitsdo_facade_rec *rec);

#endif
