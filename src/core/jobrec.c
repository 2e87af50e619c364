/* The job record: construction, files, and its byte format.
 *
 * Format (all integers little-endian):
 *
 *   header   "BDJR" (4 bytes), major version u16 (1), minor version u16 (1)
 *   fields   repeated: tag u16, length u32, length bytes of value
 *   end      tag 0, length 0: the last bytes of the record
 *
 * The end field makes every truncation detectable, even one that falls on
 * a field boundary.
 * A reader rejects another major version and skips tags it does not know,
 * so later minor versions can add fields. Value encodings: u32/u64 fixed
 * size (the length must match exactly), strings as UTF-16LE code units
 * without terminator (an absent tag is NULL, length 0 the empty string, an
 * embedded NUL is malformed), a FILE tag holds a nested field list of one
 * file. Minor versions: 0 the first; 1 adds the file's DO file id
 * (FTAG_FILE_ID, which a minor-0 reader skips); 2 adds the bytes and
 * requests a DO cache host served (FTAG_CACHE, written only when not 0). Counter values are written
 * as they stand; on reading, the job counters are rebuilt from the files'
 * counters, so a record is always self-consistent even if it was written
 * while a transfer was counting.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "jobrec.h"
#include "tlv.h"
#include "wstr.h"

#define BITSDO__REC_MAGIC  "BDJR"
#define BITSDO__REC_MAJOR  1
#define BITSDO__REC_MINOR  2
#define BITSDO__REC_HEADER 8

/* BG_JOB_PRIORITY_NORMAL, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR */
#define BITSDO__PRIORITY_NORMAL 2
#define BITSDO__NOTIFY_DEFAULT  3
#define BITSDO__LENGTH_TO_EOF   UINT64_MAX

enum bitsdo__job_tag {
    TAG_END = 0, /* empty, last */
    TAG_ID = 1,
    TAG_TYPE,
    TAG_PRIORITY,
    TAG_STATE,
    TAG_DISPLAY_NAME,
    TAG_DESCRIPTION,
    TAG_OWNER_SID,
    TAG_NOTIFY_PROGRAM,
    TAG_NOTIFY_PARAMETERS,
    TAG_NOTIFY_FLAGS,
    TAG_MIN_RETRY_DELAY,
    TAG_NO_PROGRESS_TIMEOUT,
    TAG_ERROR_COUNT,
    TAG_CREATED,
    TAG_MODIFIED,
    TAG_TRANSFER_COMPLETED,
    TAG_PROXY_USAGE,
    TAG_PROXY_LIST,
    TAG_PROXY_BYPASS,
    TAG_ERROR_HR,
    TAG_ERROR_CONTEXT,
    TAG_ERROR_FILE,
    TAG_PEER_CACHING_FLAGS,
    TAG_FILE_ACL_FLAGS,
    TAG_MAX_DOWNLOAD_TIME,
    TAG_COST_FLAGS,
    TAG_DYNAMIC_CONTENT,
    TAG_HIGH_PERFORMANCE,
    TAG_MAX_DOWNLOAD_SIZE,
    TAG_MIN_NOTIFY_INTERVAL,
    TAG_HTTP_HEADERS,
    TAG_SECURITY_FLAGS,
    TAG_JOB_COUNTERS, /* known u64, transferred u64, files u32, done u32, unknown u32 */
    TAG_FILE = 64,    /* nested: one file */
};

enum bitsdo__file_tag {
    FTAG_REMOTE = 1,
    FTAG_LOCAL,
    FTAG_TEMP,
    FTAG_RANGES, /* count * (offset u64, length u64) */
    FTAG_VALIDATION_STATE,
    FTAG_VALIDATOR,
    FTAG_REMOTE_MTIME,
    FTAG_COUNTERS, /* total u64, transferred u64, completed u32 */
    FTAG_FILE_ID,  /* IDeliveryOptimizationJob fileId (minor 1) */
    FTAG_CACHE,    /* cache bytes u64, cache requests u32 (minor 2) */
};

#define BITSDO__FILE_CACHE_LEN 12

#define BITSDO__JOB_COUNTERS_LEN  28
#define BITSDO__FILE_COUNTERS_LEN 20

/* ------------------------------------------------------------------ */
/* Record basics */

void bitsdo_job_rec_init(bitsdo_job_rec *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->priority = BITSDO__PRIORITY_NORMAL;
    rec->state = BITSDO_STATE_SUSPENDED;
    rec->notify_flags = BITSDO__NOTIFY_DEFAULT;
    rec->min_retry_delay = 600;
    rec->no_progress_timeout = 1209600;
    rec->error_file = -1;
    bitsdo_counters_init(&rec->counters);
}

static void bitsdo__file_free(bitsdo_file_rec *f)
{
    if (!f)
        return;
    free(f->remote_name);
    free(f->local_name);
    free(f->temp_name);
    free(f->ranges);
    free(f->validator);
    free(f->file_id);
    free(f);
}

void bitsdo_job_rec_free(bitsdo_job_rec *rec)
{
    uint32_t i;

    if (!rec)
        return;
    for (i = 0; i < rec->file_count; i++)
        bitsdo__file_free(rec->files[i]);
    free(rec->files);
    free(rec->display_name);
    free(rec->description);
    free(rec->owner_sid);
    free(rec->notify_program);
    free(rec->notify_parameters);
    free(rec->proxy_list);
    free(rec->proxy_bypass);
    free(rec->http_headers);
    /* Leave nothing dangling: a second free is harmless. */
    memset(rec, 0, sizeof(*rec));
}

bitsdo_hr bitsdo_set_wstr(bitsdo_wchar **field, const bitsdo_wchar *value)
{
    bitsdo_wchar *copy = NULL;

    if (!field)
        return BITSDO_E_INVALIDARG;
    if (value && !(copy = bitsdo_wcsdup(value)))
        return BITSDO_E_OUTOFMEMORY;
    free(*field);
    *field = copy;
    return BITSDO_S_OK;
}

/* The byte count ranges add up to, or unknown if one runs to the end. */
static uint64_t bitsdo__ranges_size(const bitsdo_range *ranges, uint32_t count)
{
    uint64_t sum = 0;
    uint32_t i;

    if (!ranges || !count)
        return BITSDO_SIZE_UNKNOWN;
    for (i = 0; i < count; i++) {
        if (ranges[i].length == BITSDO__LENGTH_TO_EOF || ranges[i].length >= BITSDO_SIZE_UNKNOWN - sum)
            return BITSDO_SIZE_UNKNOWN;
        sum += ranges[i].length;
    }
    return sum;
}

/* Makes room for one more file pointer. */
static bitsdo_hr bitsdo__files_reserve(bitsdo_job_rec *rec)
{
    bitsdo_file_rec **grown;
    uint32_t cap;

    if (rec->file_count < rec->file_cap)
        return BITSDO_S_OK;
    cap = rec->file_cap ? rec->file_cap * 2 : 4;
    if (cap > BITSDO_MAX_FILES_PER_JOB)
        cap = BITSDO_MAX_FILES_PER_JOB;
    grown = realloc(rec->files, cap * sizeof(*grown));
    if (!grown)
        return BITSDO_E_OUTOFMEMORY;
    rec->files = grown;
    rec->file_cap = cap;
    return BITSDO_S_OK;
}

bitsdo_hr bitsdo_job_rec_add_file(bitsdo_job_rec *rec, const bitsdo_wchar *remote, const bitsdo_wchar *local,
                                  const bitsdo_range *ranges, uint32_t range_count)
{
    bitsdo_file_rec *f;
    bitsdo_hr hr;

    if (!rec || !remote || !local || (!ranges && range_count))
        return BITSDO_E_INVALIDARG;
    if (range_count > BITSDO_MAX_RANGES_PER_FILE)
        return BITSDO_BG_E_TOO_MANY_RANGES_IN_FILE;
    if (rec->file_count >= BITSDO_MAX_FILES_PER_JOB)
        return BITSDO_BG_E_TOO_MANY_FILES_IN_JOB;
    if (BITSDO_FAILED(hr = bitsdo__files_reserve(rec)))
        return hr;
    if (!(f = calloc(1, sizeof(*f))))
        return BITSDO_E_OUTOFMEMORY;
    f->remote_name = bitsdo_wcsdup(remote);
    f->local_name = bitsdo_wcsdup(local);
    if (!f->remote_name || !f->local_name)
        goto oom;
    if (range_count) {
        if (!(f->ranges = malloc(range_count * sizeof(*f->ranges))))
            goto oom;
        memcpy(f->ranges, ranges, range_count * sizeof(*f->ranges));
        f->range_count = range_count;
    }
    bitsdo_counters_add_file(&rec->counters, &f->counters, bitsdo__ranges_size(f->ranges, f->range_count));
    rec->files[rec->file_count++] = f;
    return BITSDO_S_OK;

oom:
    bitsdo__file_free(f);
    return BITSDO_E_OUTOFMEMORY;
}

/* ------------------------------------------------------------------ */
/* Writer */

static void bitsdo__put_file(bitsdo_tlv_buf *b, const bitsdo_job_rec *rec, const bitsdo_file_rec *f)
{
    size_t len_at = bitsdo_tlv_begin(b, TAG_FILE, 0), start = b->len;
    uint64_t total, done, cache_bytes;
    uint32_t cache_requests;
    int completed;
    uint8_t *p;

    bitsdo_tlv_put_str(b, FTAG_REMOTE, f->remote_name);
    bitsdo_tlv_put_str(b, FTAG_LOCAL, f->local_name);
    bitsdo_tlv_put_str(b, FTAG_TEMP, f->temp_name);
    if (f->ranges && f->range_count) {
        uint32_t i;

        bitsdo_tlv_begin(b, FTAG_RANGES, f->range_count * 16u);
        if ((p = bitsdo_tlv_grow(b, (size_t)f->range_count * 16u))) {
            for (i = 0; i < f->range_count; i++) {
                bitsdo_tlv_put_le(p + 16 * i, f->ranges[i].offset, 8);
                bitsdo_tlv_put_le(p + 16 * i + 8, f->ranges[i].length, 8);
            }
        }
    }
    bitsdo_tlv_put_u32(b, FTAG_VALIDATION_STATE, f->validation_state);
    bitsdo_tlv_put_str(b, FTAG_VALIDATOR, f->validator);
    bitsdo_tlv_put_u64(b, FTAG_REMOTE_MTIME, f->remote_mtime);
    bitsdo_tlv_put_str(b, FTAG_FILE_ID, f->file_id);
    cache_bytes = bitsdo__load64(&f->cache_bytes);
    cache_requests = bitsdo__load32(&f->cache_requests);
    if (cache_bytes || cache_requests) {
        bitsdo_tlv_begin(b, FTAG_CACHE, BITSDO__FILE_CACHE_LEN);
        if ((p = bitsdo_tlv_grow(b, BITSDO__FILE_CACHE_LEN))) {
            bitsdo_tlv_put_le(p, cache_bytes, 8);
            bitsdo_tlv_put_le(p + 8, cache_requests, 4);
        }
    }
    bitsdo_counters_read_file(&rec->counters, &f->counters, &total, &done, &completed);
    bitsdo_tlv_begin(b, FTAG_COUNTERS, BITSDO__FILE_COUNTERS_LEN);
    if ((p = bitsdo_tlv_grow(b, BITSDO__FILE_COUNTERS_LEN))) {
        bitsdo_tlv_put_le(p, total, 8);
        bitsdo_tlv_put_le(p + 8, done, 8);
        bitsdo_tlv_put_le(p + 16, completed ? 1 : 0, 4);
    }
    bitsdo_tlv_close(b, len_at, start);
}

bitsdo_hr bitsdo_job_rec_write(const bitsdo_job_rec *rec, uint8_t **buf, size_t *len)
{
    bitsdo_tlv_buf b = {NULL, 0, 0, 0};
    bitsdo_progress prog;
    uint8_t *p;
    uint32_t i;

    if (buf)
        *buf = NULL;
    if (len)
        *len = 0;
    if (!rec || !buf || !len || rec->file_count > BITSDO_MAX_FILES_PER_JOB ||
        (rec->file_count && !rec->files))
        return BITSDO_E_INVALIDARG;
    for (i = 0; i < rec->file_count; i++) {
        const bitsdo_file_rec *f = rec->files[i];
        if (!f || f->range_count > BITSDO_MAX_RANGES_PER_FILE || (!f->ranges && f->range_count))
            return BITSDO_E_INVALIDARG;
    }

    if ((p = bitsdo_tlv_grow(&b, BITSDO__REC_HEADER))) {
        memcpy(p, BITSDO__REC_MAGIC, 4);
        bitsdo_tlv_put_le(p + 4, BITSDO__REC_MAJOR, 2);
        bitsdo_tlv_put_le(p + 6, BITSDO__REC_MINOR, 2);
    }
    bitsdo_tlv_put_bytes(&b, TAG_ID, rec->id, sizeof(rec->id));
    bitsdo_tlv_put_u32(&b, TAG_TYPE, rec->type);
    bitsdo_tlv_put_u32(&b, TAG_PRIORITY, rec->priority);
    bitsdo_tlv_put_u32(&b, TAG_STATE, (uint32_t)rec->state);
    bitsdo_tlv_put_str(&b, TAG_DISPLAY_NAME, rec->display_name);
    bitsdo_tlv_put_str(&b, TAG_DESCRIPTION, rec->description);
    bitsdo_tlv_put_str(&b, TAG_OWNER_SID, rec->owner_sid);
    bitsdo_tlv_put_str(&b, TAG_NOTIFY_PROGRAM, rec->notify_program);
    bitsdo_tlv_put_str(&b, TAG_NOTIFY_PARAMETERS, rec->notify_parameters);
    bitsdo_tlv_put_u32(&b, TAG_NOTIFY_FLAGS, rec->notify_flags);
    bitsdo_tlv_put_u32(&b, TAG_MIN_RETRY_DELAY, rec->min_retry_delay);
    bitsdo_tlv_put_u32(&b, TAG_NO_PROGRESS_TIMEOUT, rec->no_progress_timeout);
    bitsdo_tlv_put_u32(&b, TAG_ERROR_COUNT, rec->error_count);
    bitsdo_tlv_put_u64(&b, TAG_CREATED, rec->created);
    bitsdo_tlv_put_u64(&b, TAG_MODIFIED, rec->modified);
    bitsdo_tlv_put_u64(&b, TAG_TRANSFER_COMPLETED, rec->transfer_completed);
    bitsdo_tlv_put_u32(&b, TAG_PROXY_USAGE, rec->proxy_usage);
    bitsdo_tlv_put_str(&b, TAG_PROXY_LIST, rec->proxy_list);
    bitsdo_tlv_put_str(&b, TAG_PROXY_BYPASS, rec->proxy_bypass);
    bitsdo_tlv_put_u32(&b, TAG_ERROR_HR, (uint32_t)rec->error_hr);
    bitsdo_tlv_put_u32(&b, TAG_ERROR_CONTEXT, rec->error_context);
    bitsdo_tlv_put_u32(&b, TAG_ERROR_FILE, (uint32_t)rec->error_file);
    bitsdo_tlv_put_u32(&b, TAG_PEER_CACHING_FLAGS, rec->peer_caching_flags);
    bitsdo_tlv_put_u32(&b, TAG_FILE_ACL_FLAGS, rec->file_acl_flags);
    bitsdo_tlv_put_u32(&b, TAG_MAX_DOWNLOAD_TIME, rec->max_download_time);
    bitsdo_tlv_put_u32(&b, TAG_COST_FLAGS, rec->cost_flags);
    bitsdo_tlv_put_u32(&b, TAG_DYNAMIC_CONTENT, rec->dynamic_content);
    bitsdo_tlv_put_u32(&b, TAG_HIGH_PERFORMANCE, rec->high_performance);
    bitsdo_tlv_put_u64(&b, TAG_MAX_DOWNLOAD_SIZE, rec->max_download_size);
    bitsdo_tlv_put_u32(&b, TAG_MIN_NOTIFY_INTERVAL, rec->min_notify_interval_ms);
    bitsdo_tlv_put_str(&b, TAG_HTTP_HEADERS, rec->http_headers);
    bitsdo_tlv_put_u32(&b, TAG_SECURITY_FLAGS, rec->security_flags);

    bitsdo_counters_read(&rec->counters, &prog);
    bitsdo_tlv_begin(&b, TAG_JOB_COUNTERS, BITSDO__JOB_COUNTERS_LEN);
    if ((p = bitsdo_tlv_grow(&b, BITSDO__JOB_COUNTERS_LEN))) {
        bitsdo_tlv_put_le(p, bitsdo__load64(&rec->counters.known_bytes), 8);
        bitsdo_tlv_put_le(p + 8, prog.bytes_transferred, 8);
        bitsdo_tlv_put_le(p + 16, prog.files_total, 4);
        bitsdo_tlv_put_le(p + 20, prog.files_transferred, 4);
        bitsdo_tlv_put_le(p + 24, bitsdo__load32(&rec->counters.files_unknown), 4);
    }
    for (i = 0; i < rec->file_count; i++)
        bitsdo__put_file(&b, rec, rec->files[i]);
    bitsdo_tlv_begin(&b, TAG_END, 0);

    if (b.failed) {
        free(b.data);
        return BITSDO_E_OUTOFMEMORY;
    }
    *buf = b.data;
    *len = b.len;
    return BITSDO_S_OK;
}

/* ------------------------------------------------------------------ */
/* Reader: every length is checked against what is left before use. */

typedef struct bitsdo__file_values {
    uint64_t total, done;
    uint32_t completed;
    int have_counters;
} bitsdo__file_values;

/* Parses one FILE value into f. 1, 0 when malformed, -1 out of memory. */
static int bitsdo__read_file(const uint8_t *p, const uint8_t *end, bitsdo_file_rec *f, bitsdo__file_values *v)
{
    bitsdo_tlv t;
    int r;

    while (p < end) {
        if (!bitsdo_tlv_next(&p, end, &t))
            return 0;
        switch (t.tag) {
        case FTAG_REMOTE:
            if ((r = bitsdo_tlv_get_str(&t, &f->remote_name)) != 1)
                return r;
            break;
        case FTAG_LOCAL:
            if ((r = bitsdo_tlv_get_str(&t, &f->local_name)) != 1)
                return r;
            break;
        case FTAG_TEMP:
            if ((r = bitsdo_tlv_get_str(&t, &f->temp_name)) != 1)
                return r;
            break;
        case FTAG_VALIDATOR:
            if ((r = bitsdo_tlv_get_str(&t, &f->validator)) != 1)
                return r;
            break;
        case FTAG_FILE_ID:
            if ((r = bitsdo_tlv_get_str(&t, &f->file_id)) != 1)
                return r;
            break;
        case FTAG_RANGES: {
            uint32_t n = t.len / 16, i;

            if (t.len % 16 || n > BITSDO_MAX_RANGES_PER_FILE)
                return 0;
            free(f->ranges);
            f->ranges = NULL;
            f->range_count = 0;
            if (!n)
                break;
            if (!(f->ranges = malloc(n * sizeof(*f->ranges))))
                return -1;
            for (i = 0; i < n; i++) {
                f->ranges[i].offset = bitsdo_tlv_get_le(t.value + 16 * i, 8);
                f->ranges[i].length = bitsdo_tlv_get_le(t.value + 16 * i + 8, 8);
            }
            f->range_count = n;
            break;
        }
        case FTAG_VALIDATION_STATE:
            if (!bitsdo_tlv_get_u32(&t, &f->validation_state))
                return 0;
            break;
        case FTAG_REMOTE_MTIME:
            if (!bitsdo_tlv_get_u64(&t, &f->remote_mtime))
                return 0;
            break;
        case FTAG_COUNTERS:
            if (t.len != BITSDO__FILE_COUNTERS_LEN)
                return 0;
            v->total = bitsdo_tlv_get_le(t.value, 8);
            v->done = bitsdo_tlv_get_le(t.value + 8, 8);
            v->completed = (uint32_t)bitsdo_tlv_get_le(t.value + 16, 4);
            v->have_counters = 1;
            break;
        case FTAG_CACHE:
            if (t.len != BITSDO__FILE_CACHE_LEN)
                return 0;
            bitsdo__store64(&f->cache_bytes, bitsdo_tlv_get_le(t.value, 8));
            bitsdo__store32(&f->cache_requests, (uint32_t)bitsdo_tlv_get_le(t.value + 8, 4));
            break;
        default:
            break; /* a newer field: skipped */
        }
    }
    if (!f->remote_name || !f->local_name)
        return 0;
    if (v->have_counters) {
        /* The values a sequence of counter operations can produce. */
        if (v->completed > 1 || v->done == BITSDO_SIZE_UNKNOWN)
            return 0;
        if (v->total != BITSDO_SIZE_UNKNOWN && v->done > v->total)
            return 0;
        if (v->completed && v->total != v->done)
            return 0;
    }
    return 1;
}

/* Appends a parsed file, counting it in the job's counters. */
static int bitsdo__append_file(bitsdo_job_rec *rec, const uint8_t *value, uint32_t len)
{
    bitsdo__file_values v = {BITSDO_SIZE_UNKNOWN, 0, 0, 0};
    bitsdo_file_rec *f;
    int r;

    if (rec->file_count >= BITSDO_MAX_FILES_PER_JOB)
        return 0;
    if (BITSDO_FAILED(bitsdo__files_reserve(rec)))
        return -1;
    if (!(f = calloc(1, sizeof(*f))))
        return -1;
    r = bitsdo__read_file(value, value + len, f, &v);
    if (r != 1) {
        bitsdo__file_free(f);
        return r;
    }
    if (!v.have_counters)
        v.total = bitsdo__ranges_size(f->ranges, f->range_count);
    bitsdo_counters_add_file(&rec->counters, &f->counters, v.total);
    bitsdo_counters_set_bytes(&rec->counters, &f->counters, v.done);
    if (v.completed)
        bitsdo_counters_file_done(&rec->counters, &f->counters);
    rec->files[rec->file_count++] = f;
    return 1;
}

/* Parses the fields after the header into rec. 1, 0 malformed, -1 OOM. */
static int bitsdo__read_job(const uint8_t *p, const uint8_t *end, bitsdo_job_rec *rec)
{
    bitsdo_tlv t;
    uint32_t u32;
    int r, ended = 0;

    while (!ended) {
        bitsdo_wchar **str = NULL;
        uint32_t *u32_field = NULL;
        uint64_t *u64_field = NULL;

        if (!bitsdo_tlv_next(&p, end, &t))
            return 0;
        switch (t.tag) {
        case TAG_END:
            /* empty, and nothing may follow it */
            if (t.len || p != end)
                return 0;
            ended = 1;
            break;
        case TAG_ID:
            if (t.len != sizeof(rec->id))
                return 0;
            memcpy(rec->id, t.value, sizeof(rec->id));
            break;
        case TAG_STATE:
            if (!bitsdo_tlv_get_u32(&t, &u32) || u32 >= BITSDO_STATE_COUNT)
                return 0;
            rec->state = (bitsdo_state)u32;
            break;
        case TAG_ERROR_HR:
            if (!bitsdo_tlv_get_u32(&t, &u32))
                return 0;
            rec->error_hr = (bitsdo_hr)u32;
            break;
        case TAG_ERROR_FILE:
            if (!bitsdo_tlv_get_u32(&t, &u32))
                return 0;
            rec->error_file = (int32_t)u32;
            break;
        case TAG_JOB_COUNTERS:
            /* Rebuilt from the files; only the size is checked. */
            if (t.len != BITSDO__JOB_COUNTERS_LEN)
                return 0;
            break;
        case TAG_FILE:
            if ((r = bitsdo__append_file(rec, t.value, t.len)) != 1)
                return r;
            break;
        case TAG_TYPE:
            u32_field = &rec->type;
            break;
        case TAG_PRIORITY:
            u32_field = &rec->priority;
            break;
        case TAG_NOTIFY_FLAGS:
            u32_field = &rec->notify_flags;
            break;
        case TAG_MIN_RETRY_DELAY:
            u32_field = &rec->min_retry_delay;
            break;
        case TAG_NO_PROGRESS_TIMEOUT:
            u32_field = &rec->no_progress_timeout;
            break;
        case TAG_ERROR_COUNT:
            u32_field = &rec->error_count;
            break;
        case TAG_PROXY_USAGE:
            u32_field = &rec->proxy_usage;
            break;
        case TAG_ERROR_CONTEXT:
            u32_field = &rec->error_context;
            break;
        case TAG_PEER_CACHING_FLAGS:
            u32_field = &rec->peer_caching_flags;
            break;
        case TAG_FILE_ACL_FLAGS:
            u32_field = &rec->file_acl_flags;
            break;
        case TAG_MAX_DOWNLOAD_TIME:
            u32_field = &rec->max_download_time;
            break;
        case TAG_COST_FLAGS:
            u32_field = &rec->cost_flags;
            break;
        case TAG_DYNAMIC_CONTENT:
            u32_field = &rec->dynamic_content;
            break;
        case TAG_HIGH_PERFORMANCE:
            u32_field = &rec->high_performance;
            break;
        case TAG_MIN_NOTIFY_INTERVAL:
            u32_field = &rec->min_notify_interval_ms;
            break;
        case TAG_SECURITY_FLAGS:
            u32_field = &rec->security_flags;
            break;
        case TAG_CREATED:
            u64_field = &rec->created;
            break;
        case TAG_MODIFIED:
            u64_field = &rec->modified;
            break;
        case TAG_TRANSFER_COMPLETED:
            u64_field = &rec->transfer_completed;
            break;
        case TAG_MAX_DOWNLOAD_SIZE:
            u64_field = &rec->max_download_size;
            break;
        case TAG_DISPLAY_NAME:
            str = &rec->display_name;
            break;
        case TAG_DESCRIPTION:
            str = &rec->description;
            break;
        case TAG_OWNER_SID:
            str = &rec->owner_sid;
            break;
        case TAG_NOTIFY_PROGRAM:
            str = &rec->notify_program;
            break;
        case TAG_NOTIFY_PARAMETERS:
            str = &rec->notify_parameters;
            break;
        case TAG_PROXY_LIST:
            str = &rec->proxy_list;
            break;
        case TAG_PROXY_BYPASS:
            str = &rec->proxy_bypass;
            break;
        case TAG_HTTP_HEADERS:
            str = &rec->http_headers;
            break;
        default:
            break; /* a newer field: skipped */
        }
        if (u32_field && !bitsdo_tlv_get_u32(&t, u32_field))
            return 0;
        if (u64_field && !bitsdo_tlv_get_u64(&t, u64_field))
            return 0;
        if (str && (r = bitsdo_tlv_get_str(&t, str)) != 1)
            return r;
    }
    if (rec->error_file < -1 || (rec->error_file >= 0 && (uint32_t)rec->error_file >= rec->file_count))
        return 0;
    return 1;
}

bitsdo_hr bitsdo_job_rec_read(const uint8_t *buf, size_t len, bitsdo_job_rec *rec)
{
    bitsdo_job_rec tmp;
    int r;

    if (!rec)
        return BITSDO_E_INVALIDARG;
    bitsdo_job_rec_free(rec);
    bitsdo_job_rec_init(rec);
    if (!buf || len < BITSDO__REC_HEADER || memcmp(buf, BITSDO__REC_MAGIC, 4) ||
        bitsdo_tlv_get_le(buf + 4, 2) != BITSDO__REC_MAJOR)
        return BITSDO_E_INVALIDARG;

    bitsdo_job_rec_init(&tmp);
    r = bitsdo__read_job(buf + BITSDO__REC_HEADER, buf + len, &tmp);
    if (r != 1) {
        bitsdo_job_rec_free(&tmp);
        return r < 0 ? BITSDO_E_OUTOFMEMORY : BITSDO_E_INVALIDARG;
    }
    memcpy(rec, &tmp, sizeof(*rec));
    return BITSDO_S_OK;
}
