/* Tests for cachehost.c: DOCacheHost lists and Connected Cache URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cachehost.h"
#include "wstr.h"

static void expect_wstr(const bitsdo_wchar *got, const bitsdo_wchar *want)
{
    if (bitsdo_wcscmp(got, want)) {
        char a[600] = "", b[600] = "";
        size_t i;
        for (i = 0; got && got[i] && i < sizeof(a) - 1; i++)
            a[i] = (char)got[i];
        for (i = 0; want && want[i] && i < sizeof(b) - 1; i++)
            b[i] = (char)want[i];
        fail_msg("got \"%s\", want \"%s\"", got ? a : "(null)", want ? b : "(null)");
    }
}

static void test_entries(void **state)
{
    static const bitsdo_wchar list[] =
        u" cache1.example.com , 10.0.0.5:8080,,[fd00::1]:81,bad/path,user@host,  [::1] ,h:0,h:65536,"
        u"h:12a,::1,[],host:,:80,last";
    static const bitsdo_wchar *want[] = {u"cache1.example.com", u"10.0.0.5:8080", u"[fd00::1]:81", u"[::1]",
                                         u"last"};
    bitsdo_wchar out[BITSDO_CACHEHOST_MAX_NAME + 1];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(bitsdo_cachehost_entry(list, i, out, sizeof(out) / sizeof(out[0])), 1);
        expect_wstr(out, want[i]);
    }
    assert_int_equal(bitsdo_cachehost_entry(list, i, out, sizeof(out) / sizeof(out[0])), 0);
    /* empty, NULL, too small a buffer */
    assert_int_equal(bitsdo_cachehost_entry(u"", 0, out, 10), 0);
    assert_int_equal(bitsdo_cachehost_entry(u" , ,", 0, out, 10), 0);
    assert_int_equal(bitsdo_cachehost_entry(NULL, 0, out, 10), 0);
    assert_int_equal(bitsdo_cachehost_entry(u"abcdef", 0, out, 6), 0);
    assert_int_equal(bitsdo_cachehost_entry(u"abcdef", 0, out, 7), 1);
    /* control characters and CR/LF never make an entry */
    assert_int_equal(bitsdo_cachehost_entry(u"a\r\nHost: x", 0, out, 100), 0);
}

static void test_urls(void **state)
{
    static const struct {
        const bitsdo_wchar *host, *origin, *want;
    } cases[] = {
        {u"cache", u"http://origin.example/a/b.bin", u"http://cache/a/b.bin?cacheHostOrigin=origin.example"},
        {u"10.0.0.5:8080", u"http://127.0.0.1:8000/f?x=1&y=2",
         u"http://10.0.0.5:8080/f?x=1&y=2&cacheHostOrigin=127.0.0.1:8000"},
        {u"c", u"HTTPS://user:pw@Origin.example:443/p#frag",
         u"http://c/p?cacheHostOrigin=Origin.example:443"},
        {u"c", u"http://o", u"http://c/?cacheHostOrigin=o"},
        {u"c", u"http://o?q", u"http://c/?q&cacheHostOrigin=o"},
        {u"c", u"http://o/p?", u"http://c/p?cacheHostOrigin=o"},
        {u"[::1]:81", u"http://[fd00::2]:8080/x", u"http://[::1]:81/x?cacheHostOrigin=[fd00::2]:8080"},
    };
    static const struct {
        const bitsdo_wchar *host, *origin;
    } bad[] = {
        {u"c", u"ftp://o/x"},         {u"c", u"file:///C:/x"},     {u"c", u"http:///x"},
        {u"c", u"http://u@/x"},       {u"c/x", u"http://o/x"},     {u"", u"http://o/x"},
        {u"c", u"http://o&x=1/p"},    {u"c", u"http://o o/p"},     {NULL, u"http://o/x"},
        {u"c", NULL},                 {u"c", u"http://o%2f/x"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bitsdo_wchar *url = bitsdo_cachehost_url(cases[i].host, cases[i].origin);
        expect_wstr(url, cases[i].want);
        free(url);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bitsdo_wchar *url = bitsdo_cachehost_url(bad[i].host, bad[i].origin);
        if (url)
            fail_msg("bad case %u gave a URL", (unsigned)i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
