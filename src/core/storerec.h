/* The frame around one persisted job: what a `{GUID}.job` file of the
 * per-user store holds (docs/hosting.md section 6). Portable, no I/O: the
 * Win32 store (src/store) reads and writes files, this module turns a kind
 * and a list of sections into bytes and back, and checks them.
 *
 * Invariants: unframe never reads outside the buffer it is given, accepts
 * only what frame can produce (for this major version), and hands out
 * sections that point into the caller's buffer (nothing is copied).
 * frame(unframe(x)) == x, byte for byte, for every x of this minor version
 * that unframe accepts. */
#ifndef BITSDO_CORE_STOREREC_H
#define BITSDO_CORE_STOREREC_H

#include "types.h"

/* What kind of job a record holds. */
#define BITSDO_STORE_KIND_BITS_JOB    1u /* IBackgroundCopyJob family */
#define BITSDO_STORE_KIND_DO_DOWNLOAD 2u /* IDODownload (NonVolatile only) */
#define BITSDO_STORE_KIND_QM_GROUP    3u /* BITS 1.0 group and its job */

/* Section ids. A reader skips ids it does not know. */
#define BITSDO_STORE_SECTION_JOB         1u /* bitsdo_job_rec_write bytes */
#define BITSDO_STORE_SECTION_FACADE      2u /* the facade's extras, opaque here */
#define BITSDO_STORE_SECTION_CREDENTIALS 3u /* DPAPI-protected blob, opaque here */

#define BITSDO_STOREREC_MAJOR               1u
#define BITSDO_STOREREC_MINOR               0u
#define BITSDO_STOREREC_HEADER_SIZE         24u
#define BITSDO_STOREREC_SECTION_HEADER_SIZE 8u
#define BITSDO_STOREREC_MAX_SECTIONS        16u
/* Far above the largest job record (200 files of 4096 ranges is ~13 MB). */
#define BITSDO_STOREREC_MAX_BODY (256u * 1024u * 1024u)

typedef struct bitsdo_store_section {
    uint32_t id;         /* BITSDO_STORE_SECTION_*, never 0 */
    const uint8_t *data; /* may be NULL when len is 0 */
    uint32_t len;
} bitsdo_store_section;

/* A record taken apart; sections point into the unframed buffer. */
typedef struct bitsdo_storerec {
    uint32_t kind;
    uint16_t minor; /* the writer's minor version */
    uint32_t section_count;
    bitsdo_store_section sections[BITSDO_STOREREC_MAX_SECTIONS];
} bitsdo_storerec;

typedef enum bitsdo_storerec_result {
    BITSDO_STOREREC_OK = 0,
    BITSDO_STOREREC_E_ARG, /* NULL pointers, bad kind or sections given to frame */
    BITSDO_STOREREC_E_NOMEM,
    BITSDO_STOREREC_E_TRUNCATED, /* shorter than the header */
    BITSDO_STOREREC_E_MAGIC,     /* not a store record */
    BITSDO_STOREREC_E_VERSION,   /* a major version this reader does not know */
    BITSDO_STOREREC_E_LENGTH,    /* the body length disagrees with the size (torn write) */
    BITSDO_STOREREC_E_CRC,       /* the checksum does not match (corruption) */
    BITSDO_STOREREC_E_FORMAT,    /* checksum fine but the section list is malformed */
} bitsdo_storerec_result;

/* A short English name of a result, for logs ("CRC mismatch", ...). */
const char *bitsdo_storerec_result_name(bitsdo_storerec_result r);

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320, as zlib's crc32):
 * start with crc 0, feed the bytes in pieces, the result is the checksum. */
uint32_t bitsdo_crc32(uint32_t crc, const void *data, size_t len);

/* Lays out one record into a malloc'ed buffer:
 *
 *   header  "BDST", major u16, minor u16, kind u32, section count u32,
 *           body length u32, CRC-32 u32 (over the 20 header bytes before
 *           it, then the body: the kind and counts are covered too)
 *   body    per section: id u32, length u32, length bytes
 *
 * All integers little-endian. kind must be non-zero, n at most
 * BITSDO_STOREREC_MAX_SECTIONS, ids non-zero and distinct, and the body at
 * most BITSDO_STOREREC_MAX_BODY; else E_ARG. */
bitsdo_storerec_result bitsdo_storerec_frame(uint32_t kind, const bitsdo_store_section *sections, uint32_t n,
                                             uint8_t **out, size_t *out_len);

/* Takes a record apart. Checks, in this order: size of the header
 * (E_TRUNCATED), magic (E_MAGIC), major version (E_VERSION), body length
 * against the size (E_LENGTH: torn or extended), CRC (E_CRC), then the
 * section list: a zero kind, sections that do not exactly fill the body, a
 * count that disagrees, a zero or repeated id (E_FORMAT). On failure *out
 * is zeroed. Later minor versions are accepted. */
bitsdo_storerec_result bitsdo_storerec_unframe(const uint8_t *buf, size_t len, bitsdo_storerec *out);

/* The section with that id, or NULL. */
const bitsdo_store_section *bitsdo_storerec_find(const bitsdo_storerec *rec, uint32_t id);

#endif
