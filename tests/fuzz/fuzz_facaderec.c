/* libFuzzer target for the facade record reader (src/core/facaderec.c).
 *
 * Any input must be rejected (E_INVALIDARG, E_OUTOFMEMORY; the record left
 * empty) or accepted; an accepted one writes to bytes that read back to a
 * record that writes to exactly the same bytes (the writer is canonical).
 *
 * Build and run on the host (clang with libFuzzer):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/core \
 *       tests/fuzz/fuzz_facaderec.c src/core/[a-z]*.c -o /tmp/fuzz_facaderec
 *   mkdir -p /tmp/facaderec-corpus
 *   clang -DBITSDO_FUZZ_SEED -I src/core tests/fuzz/fuzz_facaderec.c \
 *       src/core/[a-z]*.c -o /tmp/facaderec_seed && /tmp/facaderec_seed /tmp/facaderec-corpus
 *   /tmp/fuzz_facaderec -max_total_time=60 /tmp/facaderec-corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facaderec.h"
#include "wstr.h"

#ifdef BITSDO_FUZZ_SEED
#include <stdio.h>

static int seed(const char *dir, const char *name, const bitsdo_facade_rec *rec)
{
    char path[1024];
    uint8_t *buf;
    size_t len;
    FILE *f;

    if (bitsdo_facade_rec_write(rec, &buf, &len) != BITSDO_S_OK)
        return 1;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(f = fopen(path, "wb")))
        return 1;
    fwrite(buf, 1, len, f);
    fclose(f);
    free(buf);
    return 0;
}

/* One typical record of each kind, as corpus seeds, into the folder named. */
int main(int argc, char **argv)
{
    bitsdo_facade_rec d, q;
    uint32_t hints[2] = {1000, 0};
    int r;

    if (argc < 2)
        return 2;
    bitsdo_facade_rec_init(&d, BITSDO_FACADEREC_DO_DOWNLOAD);
    d.dl.non_volatile = 1;
    d.dl.uri = bitsdo_wcsdup(u"http://h/a");
    d.dl.local_path = bitsdo_wcsdup(u"C:\\a");
    d.dl.total_size_set = 1;
    d.dl.total_size = 4096;
    d.dl.started = 1;
    bitsdo_facade_rec_init(&q, BITSDO_FACADEREC_QM_GROUP);
    q.qm.has_job = 1;
    q.qm.has_notify_clsid = 1;
    q.qm.protocol = 1;
    q.qm.progress_percent = 10;
    q.qm.hint_count = 2;
    q.qm.size_hints = hints;
    r = seed(argv[1], "do", &d) | seed(argv[1], "qm", &q);
    q.qm.size_hints = NULL;
    q.qm.hint_count = 0;
    bitsdo_facade_rec_free(&d);
    bitsdo_facade_rec_free(&q);
    return r;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bitsdo_facade_rec rec, again;
    uint8_t *out = NULL, *out2 = NULL;
    size_t len = 0, len2 = 0;
    bitsdo_hr hr;

    bitsdo_facade_rec_init(&rec, 0);
    hr = bitsdo_facade_rec_read(data, size, &rec);
    if (hr != BITSDO_S_OK && hr != BITSDO_E_INVALIDARG && hr != BITSDO_E_OUTOFMEMORY)
        abort();
    if (hr == BITSDO_S_OK) {
        if (bitsdo_facade_rec_write(&rec, &out, &len) != BITSDO_S_OK)
            abort();
        bitsdo_facade_rec_init(&again, 0);
        if (bitsdo_facade_rec_read(out, len, &again) != BITSDO_S_OK)
            abort();
        if (bitsdo_facade_rec_write(&again, &out2, &len2) != BITSDO_S_OK)
            abort();
        if (len != len2 || memcmp(out, out2, len))
            abort();
        bitsdo_facade_rec_free(&again);
        free(out);
        free(out2);
    } else if (rec.kind || rec.qm.size_hints || rec.dl.uri) {
        abort(); /* a rejected input leaves an empty record */
    }
    bitsdo_facade_rec_free(&rec);
    return 0;
}
#endif
