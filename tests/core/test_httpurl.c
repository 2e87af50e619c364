/* Tests for httpurl.c: http(s) URLs split for a request, request targets,
 * and redirect targets resolved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "httpurl.h"
#include "wstr.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void expect_wstr(const bitsdo_wchar *got, const bitsdo_wchar *want)
{
    if (bitsdo_wcscmp(got, want)) {
        char a[600] = "", b[600] = "";
        size_t i;
        for (i = 0; got && got[i] && i < sizeof(a) - 1; i++)
            a[i] = got[i] < 0x80 ? (char)got[i] : '?';
        for (i = 0; want && want[i] && i < sizeof(b) - 1; i++)
            b[i] = want[i] < 0x80 ? (char)want[i] : '?';
        fail_msg("got \"%s\", want \"%s\"", got ? a : "(null)", want ? b : "(null)");
    }
}

static void test_parse(void **state)
{
    static const struct {
        const bitsdo_wchar *url, *host;
        int secure, v6;
        unsigned port;
        const char *target;
    } cases[] = {
        {u"http://example.com/a/b?c=d#frag", u"example.com", 0, 0, 80, "/a/b?c=d"},
        {u"HTTPS://Example.COM", u"Example.COM", 1, 0, 443, "/"},
        {u"hTtP://h:8080", u"h", 0, 0, 8080, "/"},
        {u"http://h:/x", u"h", 0, 0, 80, "/x"},
        {u"https://h:443/x", u"h", 1, 0, 443, "/x"},
        {u"http://h:65535/x", u"h", 0, 0, 65535, "/x"},
        {u"http://h:00081/x", u"h", 0, 0, 81, "/x"},
        {u"http://[::1]:81/x", u"::1", 0, 1, 81, "/x"},
        {u"https://[fe80::1%25eth0]/", u"fe80::1%25eth0", 1, 1, 443, "/"},
        {u"http://[::1]:/", u"::1", 0, 1, 80, "/"},
        {u"http://h?q=1", u"h", 0, 0, 80, "/?q=1"},
        {u"http://h#f/g", u"h", 0, 0, 80, "/"},
        {u"http://h/a#b#c", u"h", 0, 0, 80, "/a"},
        {u"http://h/%41%4g%", u"h", 0, 0, 80, "/%41%254g%25"},
        {u"http://h/a b\"<>\\^`{|}", u"h", 0, 0, 80, "/a%20b%22%3C%3E%5C%5E%60%7B%7C%7D"},
        {u"http://h/\u00e9?\u4e2d", u"h", 0, 0, 80, "/%C3%A9?%E4%B8%AD"},
        {u"http://h/\xd800x", u"h", 0, 0, 80, "/%EF%BF%BDx"},
        {u"http://h/\xd83d\xde00", u"h", 0, 0, 80, "/%F0%9F%98%80"},
        {u"http://h/a\tb\x7f", u"h", 0, 0, 80, "/a%09b%7F"},
        {u"http://h/!$&'()*+,;=:@~-._/", u"h", 0, 0, 80, "/!$&'()*+,;=:@~-._/"},
        {u"http://\u00fcber.example/", u"\u00fcber.example", 0, 0, 80, "/"},
    };
    static const bitsdo_wchar *const bad[] = {
        u"",
        u"ftp://h/",
        u"file:///C:/x",
        u"http:/h/",
        u"http:h",
        u"http://",
        u"http:///x",
        u"http://?x",
        u"http://#x",
        u"http://u@h/",
        u"http://u:p@h/",
        u"http://:80/",
        u"http://h:0/",
        u"http://h:65536/",
        u"http://h:99999999999/",
        u"http://h:8a/",
        u"http://h:-1/",
        u"http://h:80:90/",
        u"http://[::1/",
        u"http://[]/",
        u"http://[::1]x/",
        u"http://[::1]:0/",
        u"http://a b/",
        u"http://a\tb/",
        u"http://a\x7f/",
        u"http://[a b]/",
        u" http://h/",
    };
    bitsdo_http_url u;
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++) {
        if (bitsdo_http_url_parse(cases[i].url, &u) != BITSDO_S_OK)
            fail_msg("case %u refused", (unsigned)i);
        expect_wstr(u.host, cases[i].host);
        assert_int_equal(u.secure, cases[i].secure);
        assert_int_equal(u.host_v6, cases[i].v6);
        assert_int_equal(u.port, cases[i].port);
        assert_string_equal(u.target, cases[i].target);
        expect_wstr(u.url, cases[i].url);
        bitsdo_http_url_free(&u);
        assert_null(u.host);
    }
    for (i = 0; i < COUNT(bad); i++) {
        memset(&u, 0x55, sizeof(u));
        if (bitsdo_http_url_parse(bad[i], &u) != BITSDO_E_INVALIDARG)
            fail_msg("bad case %u accepted", (unsigned)i);
        assert_null(u.host);
        assert_null(u.target);
    }
    assert_int_equal(bitsdo_http_url_parse(NULL, &u), BITSDO_E_INVALIDARG);
}

static void test_encode_target(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "/"},
        {"abc", "/abc"},
        {"?q", "/?q"},
        {"/%41%4", "/%41%254"},
        {"/%", "/%25"},
        {"/%%41", "/%25%41"},
        {"/\r\n ", "/%0D%0A%20"},
        {"/\x01\xff", "/%01%FF"},
        {"/a%2fb", "/a%2fb"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++) {
        char *t = bitsdo_http_encode_target(cases[i].in), *again;
        assert_non_null(t);
        assert_string_equal(t, cases[i].out);
        /* encoding an encoded target changes nothing */
        again = bitsdo_http_encode_target(t);
        assert_string_equal(again, t);
        free(again);
        free(t);
    }
}

static void test_resolve(void **state)
{
    static const struct {
        const bitsdo_wchar *base;
        const char *location;
        const bitsdo_wchar *want;
    } cases[] = {
        {u"http://h:8080/dir/file?q#f", "http://other/x", u"http://other/x"},
        {u"http://h:8080/dir/file?q", "HTTPS://o/", u"HTTPS://o/"},
        {u"https://h/dir/file", "http://plain/", u"http://plain/"}, /* the policy is the caller's */
        {u"http://h:8080/dir/file?q", "//o2/p", u"http://o2/p"},
        {u"https://h/dir/file?q", "//o2:99/p?x", u"https://o2:99/p?x"},
        {u"http://h:8080/dir/file?q", "/abs?x", u"http://h:8080/abs?x"},
        {u"http://h:8080/dir/file?q", "?n", u"http://h:8080/dir/file?n"},
        {u"http://h:8080/dir/file", "?n", u"http://h:8080/dir/file?n"},
        {u"http://h:8080/dir/file?q", "rel", u"http://h:8080/dir/rel"},
        {u"http://h:8080/dir/file?q/x", "rel", u"http://h:8080/dir/rel"},
        {u"http://h:8080/dir/", "rel#frag", u"http://h:8080/dir/rel#frag"},
        {u"http://h/dir/file", "../up", u"http://h/dir/../up"},
        {u"http://h/dir/file", "a/b:c", u"http://h/dir/a/b:c"},
        {u"http://h/dir/file", "#only", u"http://h/dir/#only"},
        {u"http://h", "x", u"http://h/x"},
        {u"https://[::1]/x", "/y", u"https://[::1]/y"},
        {u"https://[::1]:8443/x", "y", u"https://[::1]:8443/y"},
        {u"http://h:80/x", "/y", u"http://h/y"},
        {u"https://h:443/x", "/y", u"https://h/y"},
        {u"https://h:80/x", "/y", u"https://h:80/y"},
        {u"http://h/x y/z", "w", u"http://h/x%20y/w"},
        {u"http://h/", "/\xc3\xa9", u"http://h/\u00e9"},
        {u"http://h/", "/\xff", u"http://h/\xfffd"},
    };
    static const struct {
        const bitsdo_wchar *base;
        const char *location;
    } bad[] = {
        {u"http://h/", ""},
        {u"http://h/", "ftp://x/"},
        {u"http://h/", "file:///C:/x"},
        {u"http://h/", "mailto:a@b"},
        {u"http://h/", "a:b/c"},
        {u"http://h/", "javascript:x"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < COUNT(cases); i++) {
        bitsdo_http_url base, again;
        bitsdo_wchar *got;

        assert_int_equal(bitsdo_http_url_parse(cases[i].base, &base), BITSDO_S_OK);
        got = bitsdo_http_url_resolve(&base, cases[i].location);
        expect_wstr(got, cases[i].want);
        /* a resolved URL is one the parser takes */
        assert_int_equal(bitsdo_http_url_parse(got, &again), BITSDO_S_OK);
        bitsdo_http_url_free(&again);
        free(got);
        bitsdo_http_url_free(&base);
    }
    for (i = 0; i < COUNT(bad); i++) {
        bitsdo_http_url base;
        bitsdo_wchar *got;

        assert_int_equal(bitsdo_http_url_parse(bad[i].base, &base), BITSDO_S_OK);
        got = bitsdo_http_url_resolve(&base, bad[i].location);
        if (got)
            fail_msg("bad case %u resolved", (unsigned)i);
        bitsdo_http_url_free(&base);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_encode_target),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
