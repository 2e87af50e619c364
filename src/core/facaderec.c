/* The facade record (facaderec.h): writer and reader. */
#include <stdlib.h>
#include <string.h>

#include "facaderec.h"
#include "tlv.h"

#define FACADE_MAGIC  "BDFR"
#define FACADE_MAJOR  1
#define FACADE_MINOR  0
#define FACADE_HEADER 8

enum facade_tag {
    TAG_END = 0,
    TAG_KIND = 1,
    /* DO download: 16..47 */
    TAG_DO_NON_VOLATILE = 16,
    TAG_DO_URI,
    TAG_DO_LOCAL_PATH,
    TAG_DO_CORRELATION_VECTOR,
    TAG_DO_CALLBACK_FREQ_PERCENT,
    TAG_DO_CALLBACK_FREQ_SECONDS,
    TAG_DO_COST_POLICY,
    TAG_DO_BLOCKING,
    TAG_DO_INTEGRITY_MANDATORY,
    TAG_DO_DISALLOW_CELLULAR,
    TAG_DO_TOTAL_SIZE, /* present only when set */
    TAG_DO_STARTED,
    TAG_DO_LAST = 47,
    /* BITS 1.0 group: 48..79 */
    TAG_QM_JOB_ID = 48, /* present only when the group has its job */
    TAG_QM_NOTIFY_FLAGS,
    TAG_QM_PROTOCOL,
    TAG_QM_NOTIFY_CLSID, /* present only when set */
    TAG_QM_PROGRESS_SIZE,
    TAG_QM_PROGRESS_PERCENT,
    TAG_QM_PERCENT_MARK,
    TAG_QM_SIZE_HINTS, /* count * u32 */
    TAG_QM_LAST = 79,
};

void bitsdo_facade_rec_init(bitsdo_facade_rec *rec, uint32_t kind)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = kind;
}

void bitsdo_facade_rec_free(bitsdo_facade_rec *rec)
{
    if (!rec)
        return;
    free(rec->dl.uri);
    free(rec->dl.local_path);
    free(rec->dl.correlation_vector);
    free(rec->qm.size_hints);
    memset(rec, 0, sizeof(*rec));
}

static int kind_ok(uint32_t kind)
{
    return kind == BITSDO_FACADEREC_DO_DOWNLOAD || kind == BITSDO_FACADEREC_QM_GROUP;
}

bitsdo_hr bitsdo_facade_rec_write(const bitsdo_facade_rec *rec, uint8_t **buf, size_t *len)
{
    bitsdo_tlv_buf b = {NULL, 0, 0, 0};
    uint8_t *p;
    uint32_t i;

    if (buf)
        *buf = NULL;
    if (len)
        *len = 0;
    if (!rec || !buf || !len || !kind_ok(rec->kind))
        return BITSDO_E_INVALIDARG;
    if (rec->kind == BITSDO_FACADEREC_QM_GROUP &&
        (rec->qm.hint_count > BITSDO_MAX_FILES_PER_JOB || (rec->qm.hint_count && !rec->qm.size_hints)))
        return BITSDO_E_INVALIDARG;

    if ((p = bitsdo_tlv_grow(&b, FACADE_HEADER))) {
        memcpy(p, FACADE_MAGIC, 4);
        bitsdo_tlv_put_le(p + 4, FACADE_MAJOR, 2);
        bitsdo_tlv_put_le(p + 6, FACADE_MINOR, 2);
    }
    bitsdo_tlv_put_u32(&b, TAG_KIND, rec->kind);
    if (rec->kind == BITSDO_FACADEREC_DO_DOWNLOAD) {
        const bitsdo_facade_do *d = &rec->dl;

        bitsdo_tlv_put_u32(&b, TAG_DO_NON_VOLATILE, d->non_volatile ? 1 : 0);
        bitsdo_tlv_put_str(&b, TAG_DO_URI, d->uri);
        bitsdo_tlv_put_str(&b, TAG_DO_LOCAL_PATH, d->local_path);
        bitsdo_tlv_put_str(&b, TAG_DO_CORRELATION_VECTOR, d->correlation_vector);
        bitsdo_tlv_put_u32(&b, TAG_DO_CALLBACK_FREQ_PERCENT, d->callback_freq_percent);
        bitsdo_tlv_put_u32(&b, TAG_DO_CALLBACK_FREQ_SECONDS, d->callback_freq_seconds);
        bitsdo_tlv_put_u32(&b, TAG_DO_COST_POLICY, d->cost_policy);
        bitsdo_tlv_put_u32(&b, TAG_DO_BLOCKING, d->blocking ? 1 : 0);
        bitsdo_tlv_put_u32(&b, TAG_DO_INTEGRITY_MANDATORY, d->integrity_mandatory ? 1 : 0);
        bitsdo_tlv_put_u32(&b, TAG_DO_DISALLOW_CELLULAR, d->disallow_cellular ? 1 : 0);
        if (d->total_size_set)
            bitsdo_tlv_put_u64(&b, TAG_DO_TOTAL_SIZE, d->total_size);
        bitsdo_tlv_put_u32(&b, TAG_DO_STARTED, d->started ? 1 : 0);
    } else {
        const bitsdo_facade_qm *q = &rec->qm;

        if (q->has_job)
            bitsdo_tlv_put_bytes(&b, TAG_QM_JOB_ID, q->job_id, sizeof(q->job_id));
        bitsdo_tlv_put_u32(&b, TAG_QM_NOTIFY_FLAGS, q->notify_flags);
        bitsdo_tlv_put_u32(&b, TAG_QM_PROTOCOL, q->protocol);
        if (q->has_notify_clsid)
            bitsdo_tlv_put_bytes(&b, TAG_QM_NOTIFY_CLSID, q->notify_clsid, sizeof(q->notify_clsid));
        bitsdo_tlv_put_u32(&b, TAG_QM_PROGRESS_SIZE, q->progress_size);
        bitsdo_tlv_put_u32(&b, TAG_QM_PROGRESS_PERCENT, q->progress_percent);
        bitsdo_tlv_put_u32(&b, TAG_QM_PERCENT_MARK, q->percent_mark);
        if (q->hint_count) {
            bitsdo_tlv_begin(&b, TAG_QM_SIZE_HINTS, q->hint_count * 4u);
            if ((p = bitsdo_tlv_grow(&b, (size_t)q->hint_count * 4u)))
                for (i = 0; i < q->hint_count; i++)
                    bitsdo_tlv_put_le(p + 4 * i, q->size_hints[i], 4);
        }
    }
    bitsdo_tlv_begin(&b, TAG_END, 0);
    if (b.failed) {
        free(b.data);
        return BITSDO_E_OUTOFMEMORY;
    }
    *buf = b.data;
    *len = b.len;
    return BITSDO_S_OK;
}

static int get_bool(const bitsdo_tlv *t, uint32_t *out)
{
    return bitsdo_tlv_get_u32(t, out) && *out <= 1;
}

/* 1, 0 malformed, -1 out of memory. */
static int read_fields(const uint8_t *p, const uint8_t *end, bitsdo_facade_rec *rec)
{
    bitsdo_tlv t;
    int r, ended = 0, have_kind = 0;

    while (!ended) {
        uint32_t *u32 = NULL, *flag = NULL;
        bitsdo_wchar **str = NULL;

        if (!bitsdo_tlv_next(&p, end, &t))
            return 0;
        if (t.tag == TAG_END) {
            if (t.len || p != end)
                return 0;
            ended = 1;
            continue;
        }
        if (t.tag == TAG_KIND) {
            if (have_kind || !bitsdo_tlv_get_u32(&t, &rec->kind) || !kind_ok(rec->kind))
                return 0;
            have_kind = 1;
            continue;
        }
        /* The kind comes first; a field of the other kind is malformed. */
        if (!have_kind)
            return 0;
        if (t.tag >= TAG_DO_NON_VOLATILE && t.tag <= TAG_DO_LAST && rec->kind != BITSDO_FACADEREC_DO_DOWNLOAD)
            return 0;
        if (t.tag >= TAG_QM_JOB_ID && t.tag <= TAG_QM_LAST && rec->kind != BITSDO_FACADEREC_QM_GROUP)
            return 0;
        switch (t.tag) {
        case TAG_DO_NON_VOLATILE:          flag = &rec->dl.non_volatile; break;
        case TAG_DO_URI:                   str = &rec->dl.uri; break;
        case TAG_DO_LOCAL_PATH:            str = &rec->dl.local_path; break;
        case TAG_DO_CORRELATION_VECTOR:    str = &rec->dl.correlation_vector; break;
        case TAG_DO_CALLBACK_FREQ_PERCENT: u32 = &rec->dl.callback_freq_percent; break;
        case TAG_DO_CALLBACK_FREQ_SECONDS: u32 = &rec->dl.callback_freq_seconds; break;
        case TAG_DO_COST_POLICY:           u32 = &rec->dl.cost_policy; break;
        case TAG_DO_BLOCKING:              flag = &rec->dl.blocking; break;
        case TAG_DO_INTEGRITY_MANDATORY:   flag = &rec->dl.integrity_mandatory; break;
        case TAG_DO_DISALLOW_CELLULAR:     flag = &rec->dl.disallow_cellular; break;
        case TAG_DO_STARTED:               flag = &rec->dl.started; break;
        case TAG_DO_TOTAL_SIZE:
            if (!bitsdo_tlv_get_u64(&t, &rec->dl.total_size))
                return 0;
            rec->dl.total_size_set = 1;
            break;
        case TAG_QM_JOB_ID:
            if (t.len != sizeof(rec->qm.job_id))
                return 0;
            memcpy(rec->qm.job_id, t.value, t.len);
            rec->qm.has_job = 1;
            break;
        case TAG_QM_NOTIFY_CLSID:
            if (t.len != sizeof(rec->qm.notify_clsid))
                return 0;
            memcpy(rec->qm.notify_clsid, t.value, t.len);
            rec->qm.has_notify_clsid = 1;
            break;
        case TAG_QM_NOTIFY_FLAGS:      u32 = &rec->qm.notify_flags; break;
        case TAG_QM_PROTOCOL:          u32 = &rec->qm.protocol; break;
        case TAG_QM_PROGRESS_SIZE:     u32 = &rec->qm.progress_size; break;
        case TAG_QM_PROGRESS_PERCENT:  u32 = &rec->qm.progress_percent; break;
        case TAG_QM_PERCENT_MARK:      u32 = &rec->qm.percent_mark; break;
        case TAG_QM_SIZE_HINTS: {
            uint32_t n = t.len / 4, i;

            if (t.len % 4 || !n || n > BITSDO_MAX_FILES_PER_JOB || rec->qm.size_hints)
                return 0;
            if (!(rec->qm.size_hints = malloc(n * sizeof(*rec->qm.size_hints))))
                return -1;
            for (i = 0; i < n; i++)
                rec->qm.size_hints[i] = (uint32_t)bitsdo_tlv_get_le(t.value + 4 * i, 4);
            rec->qm.hint_count = n;
            break;
        }
        default:
            break; /* a newer field: skipped */
        }
        if (u32 && !bitsdo_tlv_get_u32(&t, u32))
            return 0;
        if (flag && !get_bool(&t, flag))
            return 0;
        if (str && (r = bitsdo_tlv_get_str(&t, str)) != 1)
            return r;
    }
    if (!have_kind)
        return 0;
    /* Values the facade could never have set. */
    if (rec->kind == BITSDO_FACADEREC_DO_DOWNLOAD && rec->dl.callback_freq_percent > 100)
        return 0;
    if (rec->kind == BITSDO_FACADEREC_QM_GROUP &&
        (rec->qm.progress_percent > 100 || rec->qm.percent_mark > 100))
        return 0;
    return 1;
}

bitsdo_hr bitsdo_facade_rec_read(const uint8_t *buf, size_t len, bitsdo_facade_rec *rec)
{
    bitsdo_facade_rec tmp;
    int r;

    if (!rec)
        return BITSDO_E_INVALIDARG;
    bitsdo_facade_rec_free(rec);
    if (!buf || len < FACADE_HEADER || memcmp(buf, FACADE_MAGIC, 4) ||
        bitsdo_tlv_get_le(buf + 4, 2) != FACADE_MAJOR)
        return BITSDO_E_INVALIDARG;
    bitsdo_facade_rec_init(&tmp, 0);
    r = read_fields(buf + FACADE_HEADER, buf + len, &tmp);
    if (r != 1) {
        bitsdo_facade_rec_free(&tmp);
        return r < 0 ? BITSDO_E_OUTOFMEMORY : BITSDO_E_INVALIDARG;
    }
    *rec = tmp;
    return BITSDO_S_OK;
}
