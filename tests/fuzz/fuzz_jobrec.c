/* libFuzzer target for the job record reader (src/core/jobrec.c).
 *
 * Any input must be rejected cleanly or accepted as a record that writes
 * back to bytes which read to the same bytes again (a fixed point).
 *
 * Build and run on the host (clang with libFuzzer):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/core \
 *       tests/fuzz/fuzz_jobrec.c src/core/[a-z]*.c -o /tmp/fuzz_jobrec
 *   mkdir -p /tmp/jobrec-corpus
 *   clang -DBITSDO_FUZZ_SEED -I src/core tests/fuzz/fuzz_jobrec.c \
 *       src/core/[a-z]*.c -o /tmp/jobrec_seed && /tmp/jobrec_seed > /tmp/jobrec-corpus/seed
 *   /tmp/fuzz_jobrec -max_total_time=60 /tmp/jobrec-corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobrec.h"

#ifdef BITSDO_FUZZ_SEED
#include <stdio.h>

/* Writes one populated record to stdout, as a corpus seed. */
int main(void)
{
    static const bitsdo_range ranges[2] = {{0, 10}, {20, 5}};
    bitsdo_job_rec rec;
    uint8_t *buf;
    size_t len;

    bitsdo_job_rec_init(&rec);
    bitsdo_set_wstr(&rec.display_name, u"seed job");
    bitsdo_set_wstr(&rec.owner_sid, u"S-1-5-18");
    bitsdo_set_wstr(&rec.http_headers, u"X-A: 1");
    bitsdo_job_rec_add_file(&rec, u"http://h/a", u"C:\\a", NULL, 0);
    bitsdo_job_rec_add_file(&rec, u"http://h/b", u"C:\\b", ranges, 2);
    bitsdo_counters_set_size(&rec.counters, &rec.files[0]->counters, 100);
    bitsdo_counters_add_bytes(&rec.counters, &rec.files[0]->counters, 40);
    bitsdo_counters_add_bytes(&rec.counters, &rec.files[1]->counters, 15);
    bitsdo_counters_file_done(&rec.counters, &rec.files[1]->counters);
    bitsdo_set_wstr(&rec.files[0]->temp_name, u"C:\\BIT1.tmp");
    bitsdo_set_wstr(&rec.files[0]->file_id, u"do-file-id");
    rec.error_file = 1;
    if (bitsdo_job_rec_write(&rec, &buf, &len) != BITSDO_S_OK)
        return 1;
    fwrite(buf, 1, len, stdout);
    free(buf);
    bitsdo_job_rec_free(&rec);
    return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bitsdo_job_rec rec, again;
    uint8_t *out = NULL, *out2 = NULL;
    size_t len = 0, len2 = 0;
    bitsdo_hr hr;

    bitsdo_job_rec_init(&rec);
    hr = bitsdo_job_rec_read(data, size, &rec);
    if (hr != BITSDO_S_OK && hr != BITSDO_E_INVALIDARG && hr != BITSDO_E_OUTOFMEMORY)
        abort();
    if (hr == BITSDO_S_OK) {
        if (bitsdo_job_rec_write(&rec, &out, &len) != BITSDO_S_OK)
            abort();
        bitsdo_job_rec_init(&again);
        if (bitsdo_job_rec_read(out, len, &again) != BITSDO_S_OK)
            abort();
        if (bitsdo_job_rec_write(&again, &out2, &len2) != BITSDO_S_OK)
            abort();
        if (len != len2 || memcmp(out, out2, len))
            abort();
        bitsdo_job_rec_free(&again);
        free(out);
        free(out2);
    } else if (rec.file_count || rec.files)
        abort(); /* a rejected input leaves an empty record */
    bitsdo_job_rec_free(&rec);
    return 0;
}
#endif
