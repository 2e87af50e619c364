/* Tag-length-value fields (tlv.h): the writer and reader the job record and
 * the facade record share. */
#include <stdlib.h>
#include <string.h>

#include "tlv.h"
#include "wstr.h"

uint8_t *bitsdo_tlv_grow(bitsdo_tlv_buf *b, size_t n)
{
    uint8_t *p;

    if (b->failed)
        return NULL;
    if (n > SIZE_MAX - b->len) {
        b->failed = 1;
        return NULL;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        uint8_t *grown;

        while (cap < b->len + n) {
            if (cap > SIZE_MAX / 2) {
                cap = b->len + n;
                break;
            }
            cap *= 2;
        }
        if (!(grown = realloc(b->data, cap))) {
            b->failed = 1;
            return NULL;
        }
        b->data = grown;
        b->cap = cap;
    }
    p = b->data + b->len;
    b->len += n;
    return p;
}

void bitsdo_tlv_put_le(uint8_t *p, uint64_t v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t bitsdo_tlv_get_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Writes a tag header and returns the offset of its length field. */
size_t bitsdo_tlv_begin(bitsdo_tlv_buf *b, uint16_t tag, uint32_t len)
{
    uint8_t *p = bitsdo_tlv_grow(b, BITSDO_TLV_HEADER);

    if (!p)
        return 0;
    bitsdo_tlv_put_le(p, tag, 2);
    bitsdo_tlv_put_le(p + 2, len, 4);
    return b->len - 4;
}

void bitsdo_tlv_close(bitsdo_tlv_buf *b, size_t len_at, size_t start)
{
    size_t inner;

    if (b->failed)
        return;
    inner = b->len - start;
    if (inner > UINT32_MAX) {
        b->failed = 1;
        return;
    }
    bitsdo_tlv_put_le(b->data + len_at, inner, 4);
}

void bitsdo_tlv_put_u32(bitsdo_tlv_buf *b, uint16_t tag, uint32_t v)
{
    uint8_t *p;

    bitsdo_tlv_begin(b, tag, 4);
    if ((p = bitsdo_tlv_grow(b, 4)))
        bitsdo_tlv_put_le(p, v, 4);
}

void bitsdo_tlv_put_u64(bitsdo_tlv_buf *b, uint16_t tag, uint64_t v)
{
    uint8_t *p;

    bitsdo_tlv_begin(b, tag, 8);
    if ((p = bitsdo_tlv_grow(b, 8)))
        bitsdo_tlv_put_le(p, v, 8);
}

void bitsdo_tlv_put_bytes(bitsdo_tlv_buf *b, uint16_t tag, const void *data, uint32_t len)
{
    uint8_t *p;

    bitsdo_tlv_begin(b, tag, len);
    if ((p = bitsdo_tlv_grow(b, len)) && len)
        memcpy(p, data, len);
}

/* A string field; NULL strings are left out. */
void bitsdo_tlv_put_str(bitsdo_tlv_buf *b, uint16_t tag, const bitsdo_wchar *s)
{
    size_t n, i;
    uint8_t *p;

    if (!s)
        return;
    n = bitsdo_wcslen(s);
    if (n > UINT32_MAX / 2) {
        b->failed = 1;
        return;
    }
    bitsdo_tlv_begin(b, tag, (uint32_t)(n * 2));
    if (!(p = bitsdo_tlv_grow(b, n * 2)))
        return;
    for (i = 0; i < n; i++)
        bitsdo_tlv_put_le(p + 2 * i, s[i], 2);
}

int bitsdo_tlv_next(const uint8_t **p, const uint8_t *end, bitsdo_tlv *t)
{
    size_t left = (size_t)(end - *p);

    if (left < BITSDO_TLV_HEADER)
        return 0;
    t->tag = (uint16_t)bitsdo_tlv_get_le(*p, 2);
    t->len = (uint32_t)bitsdo_tlv_get_le(*p + 2, 4);
    if (t->len > left - BITSDO_TLV_HEADER)
        return 0;
    t->value = *p + BITSDO_TLV_HEADER;
    *p = t->value + t->len;
    return 1;
}

int bitsdo_tlv_get_u32(const bitsdo_tlv *t, uint32_t *out)
{
    if (t->len != 4)
        return 0;
    *out = (uint32_t)bitsdo_tlv_get_le(t->value, 4);
    return 1;
}

int bitsdo_tlv_get_u64(const bitsdo_tlv *t, uint64_t *out)
{
    if (t->len != 8)
        return 0;
    *out = bitsdo_tlv_get_le(t->value, 8);
    return 1;
}

int bitsdo_tlv_get_str(const bitsdo_tlv *t, bitsdo_wchar **field)
{
    size_t n = t->len / 2, i;
    bitsdo_wchar *s;

    if (t->len % 2)
        return 0;
    if (!(s = malloc((n + 1) * sizeof(*s))))
        return -1;
    for (i = 0; i < n; i++) {
        s[i] = (bitsdo_wchar)bitsdo_tlv_get_le(t->value + 2 * i, 2);
        if (!s[i]) {
            free(s);
            return 0;
        }
    }
    s[n] = 0;
    free(*field);
    *field = s;
    return 1;
}
