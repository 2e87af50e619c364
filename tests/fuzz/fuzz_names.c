/* libFuzzer target for name classification and file:// conversion
 * (src/core/names.c). The input bytes are taken as UTF-16LE code units.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/core \
 *       tests/fuzz/fuzz_names.c src/core/[a-z]*.c -o /tmp/fuzz_names
 *   /tmp/fuzz_names -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "wstr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = size / 2, i;
    bitsdo_wchar *s = malloc((n + 1) * sizeof(*s));
    bitsdo_wchar path[BITSDO_MAX_REMOTE_NAME + 1];
    bitsdo_remote_kind kind;
    bitsdo_hr hr;

    if (!s)
        return 0;
    for (i = 0; i < n; i++)
        s[i] = (bitsdo_wchar)(data[2 * i] | data[2 * i + 1] << 8);
    s[n] = 0;

    hr = bitsdo_remote_classify(s, &kind);
    if (hr == BITSDO_S_OK) {
        if (kind == BITSDO_REMOTE_INVALID)
            abort();
        /* a classified path is a valid path by the local rules, bar length */
        if ((kind == BITSDO_REMOTE_UNC || kind == BITSDO_REMOTE_PATH) &&
            bitsdo_wcslen(s) <= BITSDO_MAX_LOCAL_NAME && bitsdo_local_validate(s) != BITSDO_S_OK)
            abort();
    } else if (hr != BITSDO_E_INVALIDARG || kind != BITSDO_REMOTE_INVALID)
        abort();

    if (bitsdo_local_validate(s) == BITSDO_S_OK) {
        size_t dir = bitsdo_local_dir_len(s);
        if (!dir || dir >= bitsdo_wcslen(s))
            abort();
    }

    hr = bitsdo_file_url_to_path(s, path, sizeof(path) / sizeof(path[0]));
    if (hr == BITSDO_S_OK) {
        if (bitsdo_wcslen(path) > BITSDO_MAX_REMOTE_NAME)
            abort();
    } else if (hr != BITSDO_E_INVALIDARG || path[0])
        abort();
    /* a tiny buffer must never be overrun */
    {
        bitsdo_wchar small[4];
        hr = bitsdo_file_url_to_path(s, small, 4);
        if (hr == BITSDO_S_OK && bitsdo_wcslen(small) > 3)
            abort();
    }
    free(s);
    return 0;
}
