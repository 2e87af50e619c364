/* Tests for errors.c and the tables in errors_table.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"

#ifdef _WIN32
/* The MinGW-w64 build checks our values against the SDK headers. */
#include <windows.h>
#include <bitsmsg.h>
#include <qmgr.h>
#include <winhttp.h>
#endif

typedef struct entry {
    uint32_t value;
    int32_t enum_value;
    const char *name;
    const char *text;
} entry;

#define ENTRY(name, value, text) {(uint32_t)(value), BITSDO_##name, #name, text},
static const entry bg_entries[] = {BITSDO_BG_ERRORS(ENTRY)};
static const entry do_entries[] = {BITSDO_DO_ERRORS(ENTRY)};
static const entry qm_entries[] = {BITSDO_QM_ERRORS(ENTRY)};
#undef ENTRY

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void check_family(const entry *e, size_t n, const char *prefix, uint32_t facility)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        const char *text = bitsdo_error_text((bitsdo_hr)e[i].value);
        size_t len;

        assert_int_equal((uint32_t)e[i].enum_value, e[i].value);
        assert_non_null(strstr(e[i].name, prefix));
        assert_int_equal((e[i].value >> 16) & 0x1FFF, facility);
        /* The lookup finds this very entry: values are unique. */
        assert_string_equal(bitsdo_error_name((bitsdo_hr)e[i].value), e[i].name);
        assert_string_equal(text, e[i].text);
        len = strlen(text);
        assert_true(len > 10 && len < 160);
        assert_true(text[len - 1] == '.');
        /* Failure codes are named *_E_*, success codes *_S_*. */
        if (e[i].value & 0x80000000u)
            assert_non_null(strstr(e[i].name, "_E_"));
        else
            assert_non_null(strstr(e[i].name, "_S_"));
        for (j = i + 1; j < n; j++) {
            assert_int_not_equal(e[i].value, e[j].value);
            assert_string_not_equal(e[i].name, e[j].name);
        }
    }
}

static void test_tables_consistent(void **state)
{
    (void)state;
    /* BITS: facility 0x20, HTTP errors facility 0x19. */
    size_t i, http = 0;

    for (i = 0; i < COUNT(bg_entries); i++) {
        const entry *e = &bg_entries[i];

        if (!strncmp(e->name, "BG_E_HTTP_ERROR_", 16)) {
            unsigned status = (unsigned)strtoul(e->name + 16, NULL, 10);

            assert_int_equal(e->value, 0x80190000u | status);
            assert_int_equal(e->value, (uint32_t)BITSDO_HTTP_ERROR(status));
            http++;
            continue;
        }
        assert_int_equal((e->value >> 16) & 0x1FFF, 0x20);
        assert_string_equal(bitsdo_error_name((bitsdo_hr)e->value), e->name);
    }
    assert_int_equal(http, 41); /* every BG_E_HTTP_ERROR_nnn of bitsmsg.h */
    for (i = 0; i < COUNT(bg_entries); i++) {
        if (!strncmp(bg_entries[i].name, "BG_E_HTTP_ERROR_", 16))
            check_family(&bg_entries[i], 1, "BG_", 0x19);
        else
            check_family(&bg_entries[i], 1, "BG_", 0x20);
    }
    check_family(do_entries, COUNT(do_entries), "DO_E_", 0xD0);
    check_family(qm_entries, COUNT(qm_entries), "QM_E_", 0x100);
}

static void test_values_unique_across_families(void **state)
{
    const entry *all[3] = {bg_entries, do_entries, qm_entries};
    size_t counts[3] = {COUNT(bg_entries), COUNT(do_entries), COUNT(qm_entries)};
    size_t a, b, i, j;

    (void)state;
    for (a = 0; a < 3; a++)
        for (b = a; b < 3; b++)
            for (i = 0; i < counts[a]; i++)
                for (j = (a == b ? i + 1 : 0); j < counts[b]; j++) {
                    assert_int_not_equal(all[a][i].value, all[b][j].value);
                    assert_string_not_equal(all[a][i].name, all[b][j].name);
                }
}

static void test_known_values(void **state)
{
    (void)state;
    assert_int_equal((uint32_t)BITSDO_BG_E_NOT_FOUND, 0x80200001u);
    assert_int_equal((uint32_t)BITSDO_BG_E_INVALID_STATE, 0x80200002u);
    assert_int_equal((uint32_t)BITSDO_BG_E_EMPTY, 0x80200003u);
    assert_int_equal((uint32_t)BITSDO_BG_S_PARTIAL_COMPLETE, 0x00200017u);
    assert_int_equal((uint32_t)BITSDO_BG_S_UNABLE_TO_DELETE_FILES, 0x0020001Au);
    assert_int_equal((uint32_t)BITSDO_BG_E_ERROR_INFORMATION_UNAVAILABLE, 0x8020000Fu);
    assert_int_equal((uint32_t)BITSDO_BG_E_INSUFFICIENT_RANGE_SUPPORT, 0x80200013u);
    assert_int_equal((uint32_t)BITSDO_BG_E_TOO_MANY_FILES, 0x8020001Cu);
    assert_int_equal((uint32_t)BITSDO_BG_E_TOO_MANY_JOBS_PER_USER, 0x80200049u);
    assert_int_equal((uint32_t)BITSDO_BG_E_TOO_MANY_JOBS_PER_MACHINE, 0x80200050u);
    assert_int_equal((uint32_t)BITSDO_BG_E_TOO_MANY_FILES_IN_JOB, 0x80200051u);
    assert_int_equal((uint32_t)BITSDO_BG_E_TOO_MANY_RANGES_IN_FILE, 0x80200052u);
    assert_int_equal((uint32_t)BITSDO_BG_E_HTTP_ERROR_404, 0x80190194u);
    assert_int_equal((uint32_t)BITSDO_BG_E_HTTP_ERROR_505, 0x801901F9u);
    assert_int_equal(BITSDO_HTTP_ERROR(416), BITSDO_BG_E_HTTP_ERROR_416);

    assert_int_equal((uint32_t)BITSDO_DO_E_NO_SERVICE, 0x80D01001u);
    assert_int_equal((uint32_t)BITSDO_DO_E_DOWNLOAD_NO_PROGRESS, 0x80D02002u);
    assert_int_equal((uint32_t)BITSDO_DO_E_JOB_NOT_FOUND, 0x80D02003u);
    assert_int_equal((uint32_t)BITSDO_DO_E_NO_DOWNLOADS, 0x80D02005u);
    assert_int_equal((uint32_t)BITSDO_DO_E_JOB_TOO_OLD, 0x80D0200Cu);
    assert_int_equal((uint32_t)BITSDO_DO_E_UNKNOWN_PROPERTY_ID, 0x80D02011u);
    assert_int_equal((uint32_t)BITSDO_DO_E_READ_ONLY_PROPERTY, 0x80D02012u);
    assert_int_equal((uint32_t)BITSDO_DO_E_INVALID_STATE, 0x80D02013u);
    assert_int_equal((uint32_t)BITSDO_DO_E_FILE_DOWNLOADSINK_UNSPECIFIED, 0x80D02018u);
    assert_int_equal((uint32_t)BITSDO_DO_E_FILE_SIZE_UNKNOWN_HTTP_200, 0x80D0201Au);
    assert_int_equal((uint32_t)BITSDO_DO_E_DOWNLOAD_NO_URI, 0x80D02200u);
    assert_int_equal((uint32_t)BITSDO_DO_E_BLOCKED_BY_NO_NETWORK, 0x80D03805u);

    assert_int_equal((uint32_t)BITSDO_QM_E_INVALID_STATE, 0x81001001u);
    assert_int_equal((uint32_t)BITSDO_QM_E_SERVICE_UNAVAILABLE, 0x81001002u);
    assert_int_equal((uint32_t)BITSDO_QM_E_DOWNLOADER_UNAVAILABLE, 0x81001003u);
    assert_int_equal((uint32_t)BITSDO_QM_E_ITEM_NOT_FOUND, 0x81001004u);

    assert_string_equal(bitsdo_error_name(BITSDO_BG_E_HTTP_ERROR_404), "BG_E_HTTP_ERROR_404");
    assert_string_equal(bitsdo_error_name(BITSDO_DO_E_INVALID_STATE), "DO_E_INVALID_STATE");
    assert_string_equal(bitsdo_error_name(BITSDO_HR(0x81001004)), "QM_E_ITEM_NOT_FOUND");
}

static void test_unknown_codes(void **state)
{
    (void)state;
    assert_null(bitsdo_error_name(BITSDO_S_OK));
    assert_null(bitsdo_error_text(BITSDO_S_OK));
    assert_null(bitsdo_error_name(BITSDO_E_INVALIDARG));
    assert_null(bitsdo_error_text(BITSDO_E_FAIL));
    assert_null(bitsdo_error_name(BITSDO_HTTP_ERROR(429))); /* not in bitsmsg.h */
    assert_null(bitsdo_error_name(BITSDO_HR(0x80200000)));
    assert_null(bitsdo_error_name(BITSDO_HR(0x80D02001)));
    assert_null(bitsdo_error_text(BITSDO_HR(0xFFFFFFFF)));
}

static void test_contexts(void **state)
{
    uint32_t i;

    (void)state;
    for (i = 0; i <= 7; i++) {
        const char *t = bitsdo_context_text(i);
        assert_non_null(t);
        assert_true(strlen(t) > 5);
    }
    assert_null(bitsdo_context_text(8));
    assert_null(bitsdo_context_text(UINT32_MAX));
    /* distinct texts */
    for (i = 0; i <= 7; i++) {
        uint32_t j;
        for (j = i + 1; j <= 7; j++)
            assert_string_not_equal(bitsdo_context_text(i), bitsdo_context_text(j));
    }
}

static void test_do_transient(void **state)
{
    size_t i, transient = 0;

    (void)state;
    assert_true(bitsdo_do_error_is_transient(BITSDO_DO_E_BLOCKED_BY_NO_NETWORK));
    assert_true(bitsdo_do_error_is_transient(BITSDO_DO_E_BLOCKED_BY_COST_TRANSFER_POLICY));
    assert_true(bitsdo_do_error_is_transient(BITSDO_DO_E_UNEXPECTED_HTTP_STATUS_2XX));
    assert_true(bitsdo_do_error_is_transient(BITSDO_HR(0x80D03FFF))); /* whole zone */
    assert_false(bitsdo_do_error_is_transient(BITSDO_DO_E_INVALID_STATE));
    assert_false(bitsdo_do_error_is_transient(BITSDO_DO_E_NO_DOWNLOAD_EXTSETTINGS));
    assert_false(bitsdo_do_error_is_transient(BITSDO_DO_E_DOWNLOAD_NO_PROGRESS));
    assert_false(bitsdo_do_error_is_transient(BITSDO_HR(0x80D04000)));
    assert_false(bitsdo_do_error_is_transient(BITSDO_HR(0x00D03805))); /* not a failure */
    assert_false(bitsdo_do_error_is_transient(BITSDO_HR(0x80203805))); /* other facility */
    assert_false(bitsdo_do_error_is_transient(BITSDO_BG_E_NETWORK_DISCONNECTED));
    assert_false(bitsdo_do_error_is_transient(BITSDO_S_OK));

    for (i = 0; i < COUNT(do_entries); i++) {
        int expect = (do_entries[i].value & 0xFF00u) >= 0x3800u && (do_entries[i].value & 0xFF00u) <= 0x3F00u;
        assert_int_equal(bitsdo_do_error_is_transient((bitsdo_hr)do_entries[i].value), expect);
        transient += expect;
    }
    assert_int_equal(transient, 13);
}

/* WinHTTP and Winsock texts: HRESULT_FROM_WIN32 values, names, a text for
 * each, never returned by bitsdo_error_text (the system's own text comes
 * first; these are for systems without one), and every WinHTTP code of
 * winhttp.h (12001-12190) is there. */
#define SYS_ENTRY(name, value, text) {(uint32_t)(value), #name, text},
static const struct {
    uint32_t value;
    const char *name, *text;
} sys_entries[] = {BITSDO_SYS_ERRORS(SYS_ENTRY)};
#undef SYS_ENTRY

static void test_sys_errors(void **state)
{
    size_t i, j, winhttp = 0;

    (void)state;
    for (i = 0; i < COUNT(sys_entries); i++) {
        uint32_t code = sys_entries[i].value & 0xFFFFu;

        if (!strcmp(sys_entries[i].name, "E_ABORT")) {
            assert_int_equal(sys_entries[i].value, 0x80004004u);
        } else if (!strncmp(sys_entries[i].name, "ERROR_WINHTTP_", 14)) {
            assert_int_equal(sys_entries[i].value & 0xFFFF0000u, 0x80070000u);
            assert_true(code >= 12001 && code <= 12190);
            winhttp++;
        } else {
            assert_int_equal(sys_entries[i].value & 0xFFFF0000u, 0x80070000u);
            assert_true(!strncmp(sys_entries[i].name, "WSA", 3));
            assert_true(code >= 10000 && code < 12000);
        }
        assert_string_equal(bitsdo_error_name((bitsdo_hr)sys_entries[i].value), sys_entries[i].name);
        assert_string_equal(bitsdo_sys_error_text((bitsdo_hr)sys_entries[i].value), sys_entries[i].text);
        assert_true(strlen(sys_entries[i].text) > 10);
        assert_null(bitsdo_error_text((bitsdo_hr)sys_entries[i].value));
        for (j = i + 1; j < COUNT(sys_entries); j++)
            assert_int_not_equal(sys_entries[i].value, sys_entries[j].value);
    }
    assert_int_equal(winhttp, 53);
    assert_string_equal(bitsdo_error_name(BITSDO_HR(0x80072EE7)), "ERROR_WINHTTP_NAME_NOT_RESOLVED");
    assert_non_null(bitsdo_sys_error_text(BITSDO_HR(0x80072EE2))); /* ERROR_WINHTTP_TIMEOUT */
    assert_non_null(bitsdo_sys_error_text(BITSDO_HR(0x80072746))); /* WSAECONNRESET */
    assert_null(bitsdo_sys_error_text(BITSDO_HR(0x80072EE3)));     /* 12003: not a WinHTTP code */
    assert_null(bitsdo_sys_error_text(BITSDO_BG_E_NOT_FOUND));
#ifdef _WIN32
    assert_int_equal((uint32_t)BITSDO_HR(0x80072EE7), (uint32_t)HRESULT_FROM_WIN32(ERROR_WINHTTP_NAME_NOT_RESOLVED));
    assert_int_equal((uint32_t)BITSDO_HR(0x80072F9E), (uint32_t)HRESULT_FROM_WIN32(ERROR_WINHTTP_HTTP_PROTOCOL_MISMATCH));
    assert_int_equal((uint32_t)BITSDO_HR(0x8007274C), (uint32_t)HRESULT_FROM_WIN32(WSAETIMEDOUT));
#endif
}

#ifdef _WIN32
#define SDK_BG_NAMES(X)                              \
    X(BG_E_NOT_FOUND)                                \
    X(BG_E_INVALID_STATE)                            \
    X(BG_E_EMPTY)                                    \
    X(BG_E_FILE_NOT_AVAILABLE)                       \
    X(BG_E_PROTOCOL_NOT_AVAILABLE)                   \
    X(BG_S_ERROR_CONTEXT_NONE)                       \
    X(BG_E_ERROR_CONTEXT_UNKNOWN)                    \
    X(BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER)      \
    X(BG_E_ERROR_CONTEXT_LOCAL_FILE)                 \
    X(BG_E_ERROR_CONTEXT_REMOTE_FILE)                \
    X(BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT)          \
    X(BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION) \
    X(BG_E_DESTINATION_LOCKED)                       \
    X(BG_E_VOLUME_CHANGED)                           \
    X(BG_E_ERROR_INFORMATION_UNAVAILABLE)            \
    X(BG_E_NETWORK_DISCONNECTED)                     \
    X(BG_E_MISSING_FILE_SIZE)                        \
    X(BG_E_INSUFFICIENT_HTTP_SUPPORT)                \
    X(BG_E_INSUFFICIENT_RANGE_SUPPORT)               \
    X(BG_E_REMOTE_NOT_SUPPORTED)                     \
    X(BG_E_NEW_OWNER_DIFF_MAPPING)                   \
    X(BG_E_NEW_OWNER_NO_FILE_ACCESS)                 \
    X(BG_S_PARTIAL_COMPLETE)                         \
    X(BG_E_PROXY_LIST_TOO_LARGE)                     \
    X(BG_E_PROXY_BYPASS_LIST_TOO_LARGE)              \
    X(BG_S_UNABLE_TO_DELETE_FILES)                   \
    X(BG_E_INVALID_SERVER_RESPONSE)                  \
    X(BG_E_TOO_MANY_FILES)                           \
    X(BG_E_LOCAL_FILE_CHANGED)                       \
    X(BG_E_ERROR_CONTEXT_REMOTE_APPLICATION)         \
    X(BG_E_SESSION_NOT_FOUND)                        \
    X(BG_E_TOO_LARGE)                                \
    X(BG_E_STRING_TOO_LONG)                          \
    X(BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH)          \
    X(BG_E_SERVER_EXECUTE_ENABLE)                    \
    X(BG_E_NO_PROGRESS)                              \
    X(BG_E_USERNAME_TOO_LARGE)                       \
    X(BG_E_PASSWORD_TOO_LARGE)                       \
    X(BG_E_INVALID_AUTH_TARGET)                      \
    X(BG_E_INVALID_AUTH_SCHEME)                      \
    X(BG_E_FILE_NOT_FOUND)                           \
    X(BG_S_PROXY_CHANGED)                            \
    X(BG_E_INVALID_RANGE)                            \
    X(BG_E_OVERLAPPING_RANGES)                       \
    X(BG_E_CONNECT_FAILURE)                          \
    X(BG_E_CONNECTION_CLOSED)                        \
    X(BG_E_KEEP_ALIVE_FAILURE)                       \
    X(BG_E_MESSAGE_LENGTH_LIMIT_EXCEEDED)            \
    X(BG_E_NAME_RESOLUTION_FAILURE)                  \
    X(BG_E_PENDING)                                  \
    X(BG_E_PIPELINE_FAILURE)                         \
    X(BG_E_PROTOCOL_ERROR)                           \
    X(BG_E_PROXY_NAME_RESOLUTION_FAILURE)            \
    X(BG_E_RECEIVE_FAILURE)                          \
    X(BG_E_REQUEST_CANCELED)                         \
    X(BG_E_SECURE_CHANNEL_FAILURE)                   \
    X(BG_E_SEND_FAILURE)                             \
    X(BG_E_SERVER_PROTOCOL_VIOLATION)                \
    X(BG_E_TIMEOUT)                                  \
    X(BG_E_TRUST_FAILURE)                            \
    X(BG_E_UNKNOWN_ERROR)                            \
    X(BG_E_BLOCKED_BY_POLICY)                        \
    X(BG_E_INVALID_PROXY_INFO)                       \
    X(BG_E_INVALID_CREDENTIALS)                      \
    X(BG_E_HTTP_ERROR_100)                           \
    X(BG_E_HTTP_ERROR_101)                           \
    X(BG_E_HTTP_ERROR_200)                           \
    X(BG_E_HTTP_ERROR_201)                           \
    X(BG_E_HTTP_ERROR_202)                           \
    X(BG_E_HTTP_ERROR_203)                           \
    X(BG_E_HTTP_ERROR_204)                           \
    X(BG_E_HTTP_ERROR_205)                           \
    X(BG_E_HTTP_ERROR_206)                           \
    X(BG_E_HTTP_ERROR_300)                           \
    X(BG_E_HTTP_ERROR_301)                           \
    X(BG_E_HTTP_ERROR_302)                           \
    X(BG_E_HTTP_ERROR_303)                           \
    X(BG_E_HTTP_ERROR_304)                           \
    X(BG_E_HTTP_ERROR_305)                           \
    X(BG_E_HTTP_ERROR_307)                           \
    X(BG_E_HTTP_ERROR_400)                           \
    X(BG_E_HTTP_ERROR_401)                           \
    X(BG_E_HTTP_ERROR_402)                           \
    X(BG_E_HTTP_ERROR_403)                           \
    X(BG_E_HTTP_ERROR_404)                           \
    X(BG_E_HTTP_ERROR_405)                           \
    X(BG_E_HTTP_ERROR_406)                           \
    X(BG_E_HTTP_ERROR_407)                           \
    X(BG_E_HTTP_ERROR_408)                           \
    X(BG_E_HTTP_ERROR_409)                           \
    X(BG_E_HTTP_ERROR_410)                           \
    X(BG_E_HTTP_ERROR_411)                           \
    X(BG_E_HTTP_ERROR_412)                           \
    X(BG_E_HTTP_ERROR_413)                           \
    X(BG_E_HTTP_ERROR_414)                           \
    X(BG_E_HTTP_ERROR_415)                           \
    X(BG_E_HTTP_ERROR_416)                           \
    X(BG_E_HTTP_ERROR_417)                           \
    X(BG_E_HTTP_ERROR_449)                           \
    X(BG_E_HTTP_ERROR_500)                           \
    X(BG_E_HTTP_ERROR_501)                           \
    X(BG_E_HTTP_ERROR_502)                           \
    X(BG_E_HTTP_ERROR_503)                           \
    X(BG_E_HTTP_ERROR_504)                           \
    X(BG_E_HTTP_ERROR_505)

static void test_matches_sdk_headers(void **state)
{
    (void)state;
#define X(name) assert_int_equal((uint32_t)BITSDO_##name, (uint32_t)(name));
    SDK_BG_NAMES(X)
#undef X
    assert_int_equal((uint32_t)BITSDO_QM_E_INVALID_STATE, (uint32_t)QM_E_INVALID_STATE);
    assert_int_equal((uint32_t)BITSDO_QM_E_SERVICE_UNAVAILABLE, (uint32_t)QM_E_SERVICE_UNAVAILABLE);
    assert_int_equal((uint32_t)BITSDO_QM_E_DOWNLOADER_UNAVAILABLE, (uint32_t)QM_E_DOWNLOADER_UNAVAILABLE);
    assert_int_equal((uint32_t)BITSDO_QM_E_ITEM_NOT_FOUND, (uint32_t)QM_E_ITEM_NOT_FOUND);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_consistent),
        cmocka_unit_test(test_values_unique_across_families),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_contexts),
        cmocka_unit_test(test_do_transient),
        cmocka_unit_test(test_sys_errors),
#ifdef _WIN32
        cmocka_unit_test(test_matches_sdk_headers),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
