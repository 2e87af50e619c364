/* Tag-length-value fields, as the job record (jobrec.c) and the facade
 * record (facaderec.c) lay them out: tag u16, length u32, then length bytes,
 * all integers little-endian. Portable, no I/O.
 *
 * Writer: a growing buffer that remembers a failure (out of memory, a value
 * too large) instead of reporting each one; check `failed` once at the end.
 * Reader: every length is checked against what is left before use, so the
 * reader never reads outside [p, end). */
#ifndef BITSDO_CORE_TLV_H
#define BITSDO_CORE_TLV_H

#include "types.h"

#define BITSDO_TLV_HEADER 6 /* tag u16, length u32 */

typedef struct bitsdo_tlv_buf {
    uint8_t *data;
    size_t len, cap;
    int failed; /* out of memory or a value too large */
} bitsdo_tlv_buf;

/* n more bytes at the end of the buffer (uninitialised), or NULL once the
 * buffer failed. */
uint8_t *bitsdo_tlv_grow(bitsdo_tlv_buf *b, size_t n);
void bitsdo_tlv_put_le(uint8_t *p, uint64_t v, size_t n);
uint64_t bitsdo_tlv_get_le(const uint8_t *p, size_t n);

/* Writes a field header and returns the offset of its length field (for a
 * nested field whose length is known only at the end: bitsdo_tlv_close). */
size_t bitsdo_tlv_begin(bitsdo_tlv_buf *b, uint16_t tag, uint32_t len);
/* Sets the length of the nested field opened at len_at, whose value
 * started at offset `start`, to what was written since. */
void bitsdo_tlv_close(bitsdo_tlv_buf *b, size_t len_at, size_t start);
void bitsdo_tlv_put_u32(bitsdo_tlv_buf *b, uint16_t tag, uint32_t v);
void bitsdo_tlv_put_u64(bitsdo_tlv_buf *b, uint16_t tag, uint64_t v);
void bitsdo_tlv_put_bytes(bitsdo_tlv_buf *b, uint16_t tag, const void *data, uint32_t len);
/* A string as UTF-16LE code units without terminator; NULL is left out. */
void bitsdo_tlv_put_str(bitsdo_tlv_buf *b, uint16_t tag, const bitsdo_wchar *s);

typedef struct bitsdo_tlv {
    uint16_t tag;
    uint32_t len;
    const uint8_t *value;
} bitsdo_tlv;

/* Takes the next field from [*p, end). 1 on success, 0 when malformed. */
int bitsdo_tlv_next(const uint8_t **p, const uint8_t *end, bitsdo_tlv *t);
/* Fixed-size values: 1, or 0 when the length is not exactly 4 / 8. */
int bitsdo_tlv_get_u32(const bitsdo_tlv *t, uint32_t *out);
int bitsdo_tlv_get_u64(const bitsdo_tlv *t, uint64_t *out);
/* A string value into *field (replacing what was there). 1, 0 when
 * malformed (odd length, an embedded NUL), -1 when out of memory. */
int bitsdo_tlv_get_str(const bitsdo_tlv *t, bitsdo_wchar **field);

#endif
