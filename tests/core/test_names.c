/* Tests for names.c (remote/local names, file:// URLs) and wstr.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "names.h"
#include "wstr.h"

typedef struct remote_case {
    const bitsdo_wchar *name;
    bitsdo_remote_kind kind; /* BITSDO_REMOTE_INVALID: E_INVALIDARG */
} remote_case;

static const remote_case remote_cases[] = {
    {u"http://example.com/file.bin", BITSDO_REMOTE_HTTP},
    {u"HTTP://example.com/file.bin", BITSDO_REMOTE_HTTP},
    {u"hTtP://127.0.0.1:8080/a/b?x=1&y=2#frag", BITSDO_REMOTE_HTTP},
    {u"http://host", BITSDO_REMOTE_HTTP},
    {u"http://host:/x", BITSDO_REMOTE_HTTP},
    {u"http://user:pw@host/x", BITSDO_REMOTE_HTTP},
    {u"http://[::1]:80/x", BITSDO_REMOTE_HTTP},
    {u"http://[fe80::1%eth0]/x", BITSDO_REMOTE_HTTP},
    {u"http://b\u00fccher.example/x", BITSDO_REMOTE_HTTP},
    {u"http://host/a b", BITSDO_REMOTE_HTTP},
    {u"https://example.com/f", BITSDO_REMOTE_HTTPS},
    {u"HTTPS://EXAMPLE.COM:443/F", BITSDO_REMOTE_HTTPS},
    {u"file:///C:/dir/file.txt", BITSDO_REMOTE_FILE_URL},
    {u"FILE:///c:/a%20b/x", BITSDO_REMOTE_FILE_URL},
    {u"file://localhost/C:/x", BITSDO_REMOTE_FILE_URL},
    {u"file://server/share/x", BITSDO_REMOTE_FILE_URL},
    /* the forms clients write that are not RFC 8089 URLs but that BITS takes */
    {u"file://C:\\dir\\file", BITSDO_REMOTE_FILE_URL},
    {u"file://C:/dir/file", BITSDO_REMOTE_FILE_URL},
    {u"file:///C:\\dir\\file", BITSDO_REMOTE_FILE_URL},
    {u"file:////server/share/x", BITSDO_REMOTE_FILE_URL},
    {u"file://///server/share/x", BITSDO_REMOTE_FILE_URL},
    {u"file://\\\\server\\share\\x", BITSDO_REMOTE_FILE_URL},
    {u"file://C:\\dir\\100%.txt", BITSDO_REMOTE_FILE_URL},
    {u"\\\\server\\share\\dir\\file", BITSDO_REMOTE_UNC},
    {u"\\\\server\\share\\file", BITSDO_REMOTE_UNC},
    {u"\\\\10.0.0.1\\share$\\file", BITSDO_REMOTE_UNC},
    {u"C:\\dir\\file", BITSDO_REMOTE_PATH},
    {u"z:/dir/file", BITSDO_REMOTE_PATH},

    {u"", BITSDO_REMOTE_INVALID},
    {u"http://", BITSDO_REMOTE_INVALID},
    {u"https://", BITSDO_REMOTE_INVALID},
    {u"http:///x", BITSDO_REMOTE_INVALID},
    {u"http://user@/x", BITSDO_REMOTE_INVALID},
    {u"http:/host/x", BITSDO_REMOTE_INVALID},
    {u"http:\\\\host\\x", BITSDO_REMOTE_INVALID},
    {u"http://ho st/x", BITSDO_REMOTE_INVALID},
    {u"http://host\\x", BITSDO_REMOTE_INVALID},
    {u"http://host:99999/x", BITSDO_REMOTE_INVALID},
    {u"http://host:0/x", BITSDO_REMOTE_INVALID},
    {u"http://host:12a/x", BITSDO_REMOTE_INVALID},
    {u"http://host:123456/x", BITSDO_REMOTE_INVALID},
    {u"http://[::1/x", BITSDO_REMOTE_INVALID},
    {u"http://[]/x", BITSDO_REMOTE_INVALID},
    {u"http://[::1]x/y", BITSDO_REMOTE_INVALID},
    {u"http://host/a\tb", BITSDO_REMOTE_INVALID},
    {u"http://host/a\x7f", BITSDO_REMOTE_INVALID},
    {u"httpx://host/x", BITSDO_REMOTE_INVALID},
    {u"ftp://host/x", BITSDO_REMOTE_INVALID},
    {u"mailto:a@b.c", BITSDO_REMOTE_INVALID},
    {u"file:C:/x", BITSDO_REMOTE_INVALID},
    {u"file://", BITSDO_REMOTE_INVALID},
    {u"file:///", BITSDO_REMOTE_INVALID},
    {u"file:///C:/", BITSDO_REMOTE_INVALID},
    {u"file:///C:", BITSDO_REMOTE_INVALID},
    {u"file:///dir/x", BITSDO_REMOTE_INVALID},
    {u"file://server/share", BITSDO_REMOTE_INVALID},
    {u"file:///C:/a%00b", BITSDO_REMOTE_INVALID},
    {u"file:///C:/a*b", BITSDO_REMOTE_INVALID},
    {u"file:///C:/a?b", BITSDO_REMOTE_INVALID},
    {u"file:///C:/x/../y", BITSDO_REMOTE_INVALID},
    {u"file://C:\\dir\\", BITSDO_REMOTE_INVALID},
    {u"file://C:\\a*b", BITSDO_REMOTE_INVALID},
    {u"file://C:\\x\\..\\y", BITSDO_REMOTE_INVALID},
    {u"file://\\\\server\\share", BITSDO_REMOTE_INVALID},
    {u"file://\\\\?\\C:\\x", BITSDO_REMOTE_INVALID},
    {u"file://\\\\.\\C:\\x", BITSDO_REMOTE_INVALID},
    {u"file://C:\\dir\\file:stream", BITSDO_REMOTE_INVALID},
    {u"relative\\path", BITSDO_REMOTE_INVALID},
    {u"dir/file", BITSDO_REMOTE_INVALID},
    {u"C:file", BITSDO_REMOTE_INVALID},
    {u"C:", BITSDO_REMOTE_INVALID},
    {u"C:\\", BITSDO_REMOTE_INVALID},
    {u"\\file", BITSDO_REMOTE_INVALID},
    {u"\\\\?\\C:\\x", BITSDO_REMOTE_INVALID},
    {u"\\\\.\\pipe\\x", BITSDO_REMOTE_INVALID},
    {u"//?/C:/x", BITSDO_REMOTE_INVALID},
    {u"\\\\server", BITSDO_REMOTE_INVALID},
    {u"\\\\server\\share", BITSDO_REMOTE_INVALID},
    {u"\\\\server\\share\\", BITSDO_REMOTE_INVALID},
    {u"\\\\\\share\\x", BITSDO_REMOTE_INVALID},
    {u"C:\\dir\\file:stream", BITSDO_REMOTE_INVALID},
    {u"C:\\dir\\*.txt", BITSDO_REMOTE_INVALID},
};

static void test_remote_classify(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(remote_cases) / sizeof(remote_cases[0]); i++) {
        bitsdo_remote_kind kind = (bitsdo_remote_kind)77;
        bitsdo_hr hr = bitsdo_remote_classify(remote_cases[i].name, &kind);
        bitsdo_hr want = remote_cases[i].kind == BITSDO_REMOTE_INVALID ? BITSDO_E_INVALIDARG : BITSDO_S_OK;

        if (hr != want || kind != remote_cases[i].kind)
            print_error("remote case %u: hr 0x%08x kind %d\n", (unsigned)i, (unsigned)hr, kind);
        assert_int_equal(hr, want);
        assert_int_equal(kind, remote_cases[i].kind);
    }
}

static void test_remote_null_and_lengths(void **state)
{
    bitsdo_remote_kind kind;
    bitsdo_wchar *name = malloc((BITSDO_MAX_REMOTE_NAME + 2) * sizeof(bitsdo_wchar));
    size_t i, prefix;
    static const char head[] = "http://example.com/";

    (void)state;
    assert_int_equal(bitsdo_remote_classify(NULL, &kind), BITSDO_E_INVALIDARG);
    assert_int_equal(kind, BITSDO_REMOTE_INVALID);
    assert_int_equal(bitsdo_remote_classify(u"http://h/", NULL), BITSDO_E_INVALIDARG);

    /* exactly 2,200 characters is fine, 2,201 is not (segments kept short) */
    assert_non_null(name);
    prefix = strlen(head);
    for (i = 0; i < prefix; i++)
        name[i] = (bitsdo_wchar)head[i];
    for (; i < BITSDO_MAX_REMOTE_NAME; i++)
        name[i] = (i % 100 == 0) ? '/' : 'a';
    name[BITSDO_MAX_REMOTE_NAME] = 0;
    assert_int_equal(bitsdo_remote_classify(name, &kind), BITSDO_S_OK);
    assert_int_equal(kind, BITSDO_REMOTE_HTTP);
    name[BITSDO_MAX_REMOTE_NAME] = 'a';
    name[BITSDO_MAX_REMOTE_NAME + 1] = 0;
    assert_int_equal(bitsdo_remote_classify(name, &kind), BITSDO_E_INVALIDARG);

    /* a URL path segment is limited to MAX_PATH (260) characters */
    for (i = prefix; i < prefix + 260; i++)
        name[i] = 'b';
    name[i] = 0;
    assert_int_equal(bitsdo_remote_classify(name, &kind), BITSDO_S_OK);
    name[i++] = 'b';
    name[i] = 0;
    assert_int_equal(bitsdo_remote_classify(name, &kind), BITSDO_E_INVALIDARG);
    /* ... but the query is not a path segment */
    name[prefix] = '?';
    assert_int_equal(bitsdo_remote_classify(name, &kind), BITSDO_S_OK);
    free(name);
}

static void test_local_validate(void **state)
{
    static const bitsdo_wchar *const good[] = {
        u"C:\\file",
        u"C:\\dir\\file.txt",
        u"c:/dir/file",
        u"C:\\dir\\\\file",
        u"C:\\a b\\c d.e",
        u"C:\\.hidden",
        u"C:\\dir\\file.",
        u"C:\\dir\\con1",
        u"C:\\dir\\com0",
        u"C:\\dir\\console.txt",
        u"C:\\dir\\\u00e9t\u00e9",
        u"\\\\server\\share\\file",
        u"\\\\server\\share\\dir\\file",
        u"//server/share/file",
    };
    static const bitsdo_wchar *const bad[] = {
        u"",
        u"file",
        u"dir\\file",
        u".\\file",
        u"\\file",
        u"C:file",
        u"C:",
        u"C:\\",
        u"C:\\dir\\",
        u"C:\\dir/",
        u"1:\\file",
        u"C:\\dir\\..\\file",
        u"C:\\dir\\.\\file",
        u"C:\\dir\\..",
        u"C:\\dir\\...",
        u"C:\\dir\\ . ",
        u"C:\\file:stream",
        u"C:\\file::$DATA",
        u"C:\\dir\\a*b",
        u"C:\\dir\\a?b",
        u"C:\\dir\\a<b",
        u"C:\\dir\\a>b",
        u"C:\\dir\\a\"b",
        u"C:\\dir\\a|b",
        u"C:\\dir\\a\tb",
        u"C:\\dir\\a\x01",
        u"C:\\dir\\CON",
        u"C:\\dir\\nul.txt",
        u"C:\\dir\\Com1",
        u"C:\\dir\\lpt9.log",
        u"C:\\dir\\aux .txt",
        u"C:\\dir\\CONOUT$",
        u"\\\\?\\C:\\file",
        u"\\\\.\\C:\\file",
        u"\\\\?\\UNC\\server\\share\\file",
        u"//./pipe/x",
        u"\\\\server",
        u"\\\\server\\share",
        u"\\\\server\\share\\",
        u"\\\\server\\\\file",
        u"\\\\\\share\\file",
        u"http://host/file",
        u"file:///C:/x",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (bitsdo_local_validate(good[i]) != BITSDO_S_OK)
            print_error("good local case %u refused\n", (unsigned)i);
        assert_int_equal(bitsdo_local_validate(good[i]), BITSDO_S_OK);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (bitsdo_local_validate(bad[i]) != BITSDO_E_INVALIDARG)
            print_error("bad local case %u accepted\n", (unsigned)i);
        assert_int_equal(bitsdo_local_validate(bad[i]), BITSDO_E_INVALIDARG);
    }
    assert_int_equal(bitsdo_local_validate(NULL), BITSDO_E_INVALIDARG);
}

static void test_local_lengths(void **state)
{
    bitsdo_wchar name[400];
    size_t i;

    (void)state;
    /* C:\ + 256 = 259 characters: the maximum */
    name[0] = 'C';
    name[1] = ':';
    name[2] = '\\';
    for (i = 3; i < 259; i++)
        name[i] = (i % 200 == 0) ? '\\' : 'x';
    name[259] = 0;
    assert_int_equal(bitsdo_local_validate(name), BITSDO_S_OK);
    name[259] = 'x';
    name[260] = 0;
    assert_int_equal(bitsdo_local_validate(name), BITSDO_E_INVALIDARG);

    /* a component of 256 characters is too long even as a remote path */
    for (i = 3; i < 3 + 256; i++)
        name[i] = 'y';
    name[i] = 0;
    {
        bitsdo_remote_kind kind;
        assert_int_equal(bitsdo_remote_classify(name, &kind), BITSDO_E_INVALIDARG);
        name[3 + 255] = 0;
        assert_int_equal(bitsdo_remote_classify(name, &kind), BITSDO_S_OK);
        assert_int_equal(kind, BITSDO_REMOTE_PATH);
    }
}

typedef struct url_case {
    const bitsdo_wchar *url;
    const bitsdo_wchar *path; /* NULL: E_INVALIDARG */
} url_case;

static const url_case url_cases[] = {
    {u"file:///C:/a%20b", u"C:\\a b"},
    {u"file:///C:/dir/file.txt", u"C:\\dir\\file.txt"},
    {u"FILE:///d:/X", u"d:\\X"},
    {u"file://LOCALHOST/C:/x", u"C:\\x"},
    {u"file://server/share/x", u"\\\\server\\share\\x"},
    {u"file://server/share/a%2fb", u"\\\\server\\share\\a/b"},
    {u"file:///C:/%C3%A9t%C3%A9", u"C:\\\u00e9t\u00e9"},
    {u"file:///C:/%e2%82%ac", u"C:\\\u20ac"},
    {u"file:///C:/%F0%9F%98%80", u"C:\\\U0001F600"},
    {u"file:///C:/\u00e9", u"C:\\\u00e9"},
    {u"file:///C:/%41%42", u"C:\\AB"},
    {u"file:///C:/", u"C:\\"},
    {u"file://server/share", u"\\\\server\\share"},
    {u"file://C:\\dir\\f", u"C:\\dir\\f"},
    {u"file://c:/dir/f", u"c:\\dir\\f"},
    {u"file://C:/a%20b", u"C:\\a b"},
    {u"file://C:\\a%20b", u"C:\\a%20b"}, /* a path: no decoding */
    {u"file://C:\\a#b", u"C:\\a#b"},
    {u"file:///C:\\dir/f", u"C:\\dir\\f"},
    {u"file:////server/share/x", u"\\\\server\\share\\x"},
    {u"file://///server/share/x", u"\\\\server\\share\\x"},
    {u"file://\\\\server\\share\\x", u"\\\\server\\share\\x"},
    {u"file:////server/a%20b/x", u"\\\\server\\a b\\x"},
    {u"file://////server/share/x", NULL},
    {u"file://C:\\a\x01" u"b", NULL},

    {u"file:///C:/a%00b", NULL},
    {u"file:///C:/a%01b", NULL},
    {u"file:///C:/a%7f", NULL},
    {u"file:///C:/a%", NULL},
    {u"file:///C:/a%4", NULL},
    {u"file:///C:/a%4g", NULL},
    {u"file:///C:/a%%41", NULL},
    {u"file:///C:/%C3", NULL}, /* truncated sequence */
    {u"file:///C:/%C3x", NULL},
    {u"file:///C:/%C3%41", NULL},       /* bad continuation */
    {u"file:///C:/%A9", NULL},          /* stray continuation */
    {u"file:///C:/%C0%AF", NULL},       /* overlong */
    {u"file:///C:/%E0%80%AF", NULL},    /* overlong */
    {u"file:///C:/%ED%A0%80", NULL},    /* surrogate */
    {u"file:///C:/%F4%90%80%80", NULL}, /* above U+10FFFF */
    {u"file:///C:/%FF", NULL},
    {u"file:///C:/x?y", NULL},
    {u"file:///C:/x#y", NULL},
    {u"file:///C:", NULL},
    {u"file:///C|/x", NULL},
    {u"file:///dir/x", NULL},
    {u"file:///", NULL},
    {u"file://", NULL},
    {u"file://server", NULL},
    {u"file:C:/x", NULL},
    {u"http://host/x", NULL},
    {u"", NULL},
};

static void test_file_url_to_path(void **state)
{
    bitsdo_wchar out[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
        bitsdo_hr hr;

        memset(out, 0x55, sizeof(out));
        hr = bitsdo_file_url_to_path(url_cases[i].url, out, 64);
        if (url_cases[i].path) {
            if (hr != BITSDO_S_OK || bitsdo_wcscmp(out, url_cases[i].path))
                print_error("url case %u failed\n", (unsigned)i);
            assert_int_equal(hr, BITSDO_S_OK);
            assert_int_equal(bitsdo_wcscmp(out, url_cases[i].path), 0);
        } else {
            if (hr != BITSDO_E_INVALIDARG)
                print_error("url case %u accepted\n", (unsigned)i);
            assert_int_equal(hr, BITSDO_E_INVALIDARG);
            assert_int_equal(out[0], 0);
        }
    }
}

static void test_file_url_capacity(void **state)
{
    bitsdo_wchar out[16];
    const bitsdo_wchar *url = u"file:///C:/abc%20d"; /* -> C:\abc d, 8 + 1 */

    (void)state;
    assert_int_equal(bitsdo_file_url_to_path(url, out, 9), BITSDO_S_OK);
    assert_int_equal(bitsdo_wcscmp(out, u"C:\\abc d"), 0);
    assert_int_equal(bitsdo_file_url_to_path(url, out, 8), BITSDO_E_INVALIDARG);
    assert_int_equal(out[0], 0);
    assert_int_equal(bitsdo_file_url_to_path(url, out, 1), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_file_url_to_path(url, out, 0), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_file_url_to_path(url, NULL, 16), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_file_url_to_path(NULL, out, 16), BITSDO_E_INVALIDARG);
    /* a surrogate pair needs both units to fit */
    assert_int_equal(bitsdo_file_url_to_path(u"file:///C:/%F0%9F%98%80", out, 5), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_file_url_to_path(u"file:///C:/%F0%9F%98%80", out, 6), BITSDO_S_OK);
    assert_int_equal(bitsdo_wcslen(out), 5);
}

static void test_dir_len(void **state)
{
    (void)state;
    assert_int_equal(bitsdo_local_dir_len(u"C:\\dir\\file"), 6);
    assert_int_equal(bitsdo_local_dir_len(u"C:\\file"), 3);
    assert_int_equal(bitsdo_local_dir_len(u"C:/a/b/c"), 6);
    assert_int_equal(bitsdo_local_dir_len(u"\\\\srv\\sh\\f"), 9);
    assert_int_equal(bitsdo_local_dir_len(u"\\\\srv\\sh\\d\\f"), 10);
    assert_int_equal(bitsdo_local_dir_len(u"file"), 0);
    assert_int_equal(bitsdo_local_dir_len(u""), 0);
    assert_int_equal(bitsdo_local_dir_len(NULL), 0);
}

static void test_wstr(void **state)
{
    bitsdo_wchar *s;

    (void)state;
    assert_int_equal(bitsdo_wcslen(u"abc"), 3);
    assert_int_equal(bitsdo_wcslen(u""), 0);
    assert_int_equal(bitsdo_wcslen(NULL), 0);

    s = bitsdo_wcsdup(u"h\u00e9llo");
    assert_non_null(s);
    assert_int_equal(bitsdo_wcscmp(s, u"h\u00e9llo"), 0);
    free(s);
    assert_null(bitsdo_wcsdup(NULL));

    assert_true(bitsdo_wcscmp(u"a", u"b") < 0);
    assert_true(bitsdo_wcscmp(u"b", u"a") > 0);
    assert_true(bitsdo_wcscmp(u"a", u"ab") < 0);
    assert_true(bitsdo_wcscmp(u"\uffff", u"a") > 0); /* unsigned code units */
    assert_true(bitsdo_wcscmp(NULL, u"") < 0);
    assert_true(bitsdo_wcscmp(u"", NULL) > 0);
    assert_int_equal(bitsdo_wcscmp(NULL, NULL), 0);

    assert_true(bitsdo_wcs_istarts(u"HTTP://x", "http://"));
    assert_true(bitsdo_wcs_istarts(u"abc", ""));
    assert_false(bitsdo_wcs_istarts(u"htt", "http"));
    assert_false(bitsdo_wcs_istarts(u"\u0130ttp", "http")); /* ASCII only */
    assert_false(bitsdo_wcs_istarts(NULL, "x"));

    s = bitsdo_wcs_from_utf8("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
    assert_non_null(s);
    assert_int_equal(bitsdo_wcscmp(s, u"a\u00e9\u20ac\U0001F600z"), 0);
    free(s);
    /* invalid bytes become U+FFFD, one each */
    s = bitsdo_wcs_from_utf8("a\xff\xc3(\xed\xa0\x80");
    assert_non_null(s);
    assert_int_equal(bitsdo_wcscmp(s, u"a\ufffd\ufffd(\ufffd\ufffd\ufffd"), 0);
    free(s);
    s = bitsdo_wcs_from_utf8("");
    assert_non_null(s);
    assert_int_equal(s[0], 0);
    free(s);
    assert_null(bitsdo_wcs_from_utf8(NULL));
}

static void test_utf8_decode(void **state)
{
    uint32_t cp = 0;

    (void)state;
    assert_int_equal(bitsdo_utf8_decode((const unsigned char *)"A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(bitsdo_utf8_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
    assert_int_equal(cp, 0x10FFFF);
    assert_int_equal(bitsdo_utf8_decode((const unsigned char *)"\xf4\x8f\xbf", 3, &cp), 0);
    assert_int_equal(bitsdo_utf8_decode((const unsigned char *)"\xc1\xbf", 2, &cp), 0);
    assert_int_equal(bitsdo_utf8_decode((const unsigned char *)"\x80", 1, &cp), 0);
    assert_int_equal(bitsdo_utf8_decode((const unsigned char *)"", 0, &cp), 0);
    assert_int_equal(bitsdo_utf8_decode(NULL, 1, &cp), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remote_classify),
        cmocka_unit_test(test_remote_null_and_lengths),
        cmocka_unit_test(test_local_validate),
        cmocka_unit_test(test_local_lengths),
        cmocka_unit_test(test_file_url_to_path),
        cmocka_unit_test(test_file_url_capacity),
        cmocka_unit_test(test_dir_len),
        cmocka_unit_test(test_wstr),
        cmocka_unit_test(test_utf8_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
