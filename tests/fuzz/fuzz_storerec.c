/* libFuzzer target for the store record frame (src/core/storerec.c).
 *
 * Any input (and the same input with its CRC repaired, so that the section
 * parser is reached) must be rejected with one of unframe's results, or
 * accepted; an accepted record of this minor version frames back to exactly the
 * input bytes (the differential property frame(unframe(x)) == x), one of
 * a later minor version to a record that unframes to the same sections.
 * A job section, if there is one, goes through the job record reader too,
 * as the store does when it loads.
 *
 * Build and run on the host (clang with libFuzzer):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/core \
 *       tests/fuzz/fuzz_storerec.c src/core/[a-z]*.c -o /tmp/fuzz_storerec
 *   mkdir -p /tmp/storerec-corpus
 *   clang -DBITSDO_FUZZ_SEED -I src/core tests/fuzz/fuzz_storerec.c \
 *       src/core/[a-z]*.c -o /tmp/storerec_seed && /tmp/storerec_seed > /tmp/storerec-corpus/seed
 *   /tmp/fuzz_storerec -max_total_time=60 /tmp/storerec-corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobrec.h"
#include "storerec.h"

#ifdef BITSDO_FUZZ_SEED
#include <stdio.h>

/* Writes one typical record (job, facade extras, a credentials blob) to
 * stdout, as a corpus seed. */
int main(void)
{
    static const uint8_t extras[8] = {1, 0, 4, 0, 0, 0, 9, 9};
    static const uint8_t blob[16] = {0xde, 0xad, 0xbe, 0xef};
    bitsdo_store_section s[3];
    bitsdo_job_rec rec;
    uint8_t *job, *buf;
    size_t job_len, len;

    bitsdo_job_rec_init(&rec);
    bitsdo_set_wstr(&rec.display_name, u"seed job");
    bitsdo_job_rec_add_file(&rec, u"http://h/a", u"C:\\a", NULL, 0);
    bitsdo_set_wstr(&rec.files[0]->file_id, u"fid");
    if (bitsdo_job_rec_write(&rec, &job, &job_len) != BITSDO_S_OK)
        return 1;
    s[0] = (bitsdo_store_section){BITSDO_STORE_SECTION_JOB, job, (uint32_t)job_len};
    s[1] = (bitsdo_store_section){BITSDO_STORE_SECTION_FACADE, extras, sizeof(extras)};
    s[2] = (bitsdo_store_section){BITSDO_STORE_SECTION_CREDENTIALS, blob, sizeof(blob)};
    if (bitsdo_storerec_frame(BITSDO_STORE_KIND_BITS_JOB, s, 3, &buf, &len) != BITSDO_STOREREC_OK)
        return 1;
    fwrite(buf, 1, len, stdout);
    free(buf);
    free(job);
    bitsdo_job_rec_free(&rec);
    return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size)
{
    bitsdo_storerec rec, again;
    const bitsdo_store_section *job;
    bitsdo_storerec_result r;
    uint8_t *out = NULL;
    size_t len = 0;
    uint32_t i;

    r = bitsdo_storerec_unframe(data, size, &rec);
    if (r == BITSDO_STOREREC_E_ARG || r == BITSDO_STOREREC_E_NOMEM || r > BITSDO_STOREREC_E_FORMAT)
        abort();
    if (r != BITSDO_STOREREC_OK) {
        if (rec.section_count || rec.kind)
            abort(); /* a rejected input leaves nothing behind */
        return;
    }
    for (i = 0; i < rec.section_count; i++)
        if (rec.sections[i].len &&
            (rec.sections[i].data < data || rec.sections[i].data + rec.sections[i].len > data + size))
            abort(); /* a section outside the input */
    if (bitsdo_storerec_frame(rec.kind, rec.sections, rec.section_count, &out, &len) != BITSDO_STOREREC_OK)
        abort();
    if (rec.minor == BITSDO_STOREREC_MINOR) {
        if (len != size || memcmp(out, data, size))
            abort();
    } else {
        if (bitsdo_storerec_unframe(out, len, &again) != BITSDO_STOREREC_OK || again.kind != rec.kind ||
            again.section_count != rec.section_count)
            abort();
        for (i = 0; i < rec.section_count; i++)
            if (again.sections[i].id != rec.sections[i].id || again.sections[i].len != rec.sections[i].len ||
                (rec.sections[i].len &&
                 memcmp(again.sections[i].data, rec.sections[i].data, rec.sections[i].len)))
                abort();
    }
    free(out);
    if ((job = bitsdo_storerec_find(&rec, BITSDO_STORE_SECTION_JOB))) {
        bitsdo_job_rec jr;
        bitsdo_hr hr;

        bitsdo_job_rec_init(&jr);
        hr = bitsdo_job_rec_read(job->data, job->len, &jr);
        if (hr != BITSDO_S_OK && hr != BITSDO_E_INVALIDARG && hr != BITSDO_E_OUTOFMEMORY)
            abort();
        bitsdo_job_rec_free(&jr);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy;
    uint32_t crc;

    check(data, size);
    /* Mutations almost never keep the CRC right: check the input once more
     * with its CRC repaired, so that the section parser is reached. */
    if (size < BITSDO_STOREREC_HEADER_SIZE || !(copy = malloc(size)))
        return 0;
    memcpy(copy, data, size);
    crc = bitsdo_crc32(0, copy, 20);
    crc = bitsdo_crc32(crc, copy + BITSDO_STOREREC_HEADER_SIZE, size - BITSDO_STOREREC_HEADER_SIZE);
    for (int i = 0; i < 4; i++)
        copy[20 + i] = (uint8_t)(crc >> (8 * i));
    check(copy, size);
    free(copy);
    return 0;
}
#endif
