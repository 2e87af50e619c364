/* libFuzzer target for DOCacheHost lists and cache-host URLs
 * (src/core/cachehost.c). The input bytes are UTF-16LE code units: up to
 * the first NUL unit a host list, after it an origin URL.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/core \
 *       tests/fuzz/fuzz_cachehost.c src/core/[a-z]*.c -o /tmp/fuzz_cachehost
 *   /tmp/fuzz_cachehost -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cachehost.h"
#include "wstr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = size / 2, i, split;
    bitsdo_wchar *s = malloc((n + 2) * sizeof(*s));
    bitsdo_wchar host[BITSDO_CACHEHOST_MAX_NAME + 1];
    const bitsdo_wchar *origin;

    if (!s)
        return 0;
    for (i = 0; i < n; i++)
        s[i] = (bitsdo_wchar)(data[2 * i] | data[2 * i + 1] << 8);
    s[n] = s[n + 1] = 0;
    split = bitsdo_wcslen(s);
    origin = s + split + 1;
    for (i = 0; bitsdo_cachehost_entry(s, i, host, sizeof(host) / sizeof(host[0])); i++) {
        bitsdo_wchar *url = bitsdo_cachehost_url(host, origin);
        size_t k;

        if (!host[0])
            abort();
        for (k = 0; host[k]; k++)
            if (host[k] <= ' ' || host[k] == '/' || host[k] == '@' || host[k] == ',')
                abort();
        if (url) {
            /* the request goes to the cache host, never elsewhere, and has no
             * character that could end the request line or start a header */
            if (!bitsdo_wcs_istarts(url, "http://"))
                abort();
            for (k = 0; host[k]; k++)
                if (url[7 + k] != host[k])
                    abort();
            if (url[7 + k] != '/')
                abort();
            for (k = 0; url[k]; k++)
                if (url[k] == '\r' || url[k] == '\n' || url[k] == '#')
                    abort();
            free(url);
        }
        if (i > n)
            abort();
    }
    free(s);
    return 0;
}
