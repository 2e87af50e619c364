/* Every method of every interface bitsdo implements, in the three API
 * families, against bad input: NULL for each pointer, empty and
 * 100,000-character strings, out-of-range enums and flags, unknown property
 * ids, wrong VARIANT types, relative paths, folders, device names, streams,
 * a missing drive, destinations that are one file under two spellings,
 * unsupported schemes and over-long URLs, and calls in the states where the
 * documentation says BG_E_INVALID_STATE (DO_E_INVALID_STATE,
 * QM_E_INVALID_STATE), after Cancel and after Complete.
 *
 * The test is a table: each row is one call, with the code the
 * documentation gives for it and the code bitsdo returned. Kinds of row:
 *   doc    the documented code, exactly;
 *   conv   the documentation names no code: the convention the note names
 *          (BITS's job getters document E_INVALIDARG for a NULL out-pointer),
 *          else COM's (E_POINTER for a NULL out-pointer), exactly;
 *   undoc  the documentation names no code: the call must fail, and leave
 *          the object as it was (state, files, progress, properties);
 *   known  bitsdo differs from the documentation on purpose or for now:
 *          the row names the difference in its note (passes only with
 *          the documented code or the noted one);
 *   accept the documentation names no limit: the call succeeds and the
 *          value reads back whole.
 * A call that fails is also checked to change nothing (the object's state,
 * file count, progress and main properties before and after).
 *
 * BITSDO_BAD_INPUT_TABLE=path writes the table as markdown (docs/bad-input.md
 * is that file, committed).
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#ifndef E_NOT_SET
#define E_NOT_SET HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
#endif

#define LONG_CHARS 100000u

/* --- the table ------------------------------------------------------------- */

enum row_kind {
    K_DOC,
    K_CONV,
    K_UNDOC,
    K_KNOWN,
    K_ACCEPT
};

typedef struct bi_row {
    char method[80];
    char input[160];
    enum row_kind kind;
    HRESULT doc; /* K_DOC, K_CONV, K_KNOWN: the expected code */
    HRESULT alt; /* K_KNOWN: the code bitsdo is known to return instead */
    HRESULT ours;
    int changed; /* 1: a failing call changed the object; 0: it did not; -1: not checked */
    int pass;
    char note[200];
} bi_row;

#define MAX_ROWS 1000
static bi_row rows[MAX_ROWS];
static int row_count, test_failures;
static const char *pending_note;

static const struct {
    HRESULT hr;
    const char *name;
} hr_names[] = {
#define N(x)             \
    {                    \
        (HRESULT)(x), #x \
    }
    N(S_OK),
    N(S_FALSE),
    N(E_INVALIDARG),
    N(E_POINTER),
    N(E_NOTIMPL),
    N(E_NOINTERFACE),
    N(E_ACCESSDENIED),
    N(E_OUTOFMEMORY),
    N(E_FAIL),
    N(E_NOT_SET),
    N(BG_E_INVALID_STATE),
    N(BG_E_EMPTY),
    N(BG_E_NOT_FOUND),
    N(BG_E_STRING_TOO_LONG),
    N(BG_E_ERROR_INFORMATION_UNAVAILABLE),
    N(BG_E_TOO_MANY_FILES_IN_JOB),
    N(BG_E_PROXY_LIST_TOO_LARGE),
    N(BG_E_PROXY_BYPASS_LIST_TOO_LARGE),
    N(BG_E_INVALID_RANGE),
    N(BG_E_OVERLAPPING_RANGES),
    N(BG_E_TOO_MANY_RANGES_IN_FILE),
    N(BG_E_FILE_NOT_AVAILABLE),
    N(BG_E_PROTOCOL_NOT_AVAILABLE),
    N(BG_S_PARTIAL_COMPLETE),
    N(BG_E_INVALID_AUTH_SCHEME),
    N(BG_E_INVALID_AUTH_TARGET),
    N(BG_E_USERNAME_TOO_LARGE),
    N(BG_E_PASSWORD_TOO_LARGE),
    N(DO_E_INVALID_STATE),
    N(DO_E_UNKNOWN_PROPERTY_ID),
    N(DO_E_READ_ONLY_PROPERTY),
    N(DO_E_WRITE_ONLY_PROPERTY),
    N(DO_E_DOWNLOAD_NO_URI),
    N(DO_E_FILE_DOWNLOADSINK_UNSPECIFIED),
    N(DO_E_FILE_DOWNLOADSINK_ALREADY_SET),
    N(DO_E_NO_DOWNLOADS),
    N(DO_E_INVALID_RANGE),
    N(DO_E_OVERLAPPING_RANGES),
    N(QM_E_INVALID_STATE),
    N(QM_E_ITEM_NOT_FOUND),
    {HRESULT_FROM_WIN32(ERROR_INVALID_NAME), "HRESULT_FROM_WIN32(ERROR_INVALID_NAME)"},
    {HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE), "HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE)"},
    {HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND), "HRESULT_FROM_WIN32(ERROR_RESOURCE_LANG_NOT_FOUND)"},
#undef N
};

static const char *hr_name(HRESULT hr, char *buf, size_t cap)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(hr_names); i++)
        if (hr_names[i].hr == hr)
            return hr_names[i].name;
    snprintf(buf, cap, "0x%08lx", (unsigned long)hr);
    return buf;
}

/* The next row's note (a string literal or static text). */
static void note(const char *text)
{
    pending_note = text;
}

static void rec(const char *method, const char *input, enum row_kind kind, HRESULT doc, HRESULT alt,
                HRESULT ours, int changed)
{
    bi_row *r;
    char a[40], b[40];

    if (row_count >= MAX_ROWS) {
        print_error("too many rows\n");
        test_failures++;
        return;
    }
    r = &rows[row_count++];
    snprintf(r->method, sizeof(r->method), "%s", method);
    snprintf(r->input, sizeof(r->input), "%s", input);
    snprintf(r->note, sizeof(r->note), "%s", pending_note ? pending_note : "");
    pending_note = NULL;
    r->kind = kind;
    r->doc = doc;
    r->alt = alt;
    r->ours = ours;
    r->changed = changed;
    switch (kind) {
    case K_UNDOC:
        r->pass = FAILED(ours);
        break;
    case K_KNOWN:
        r->pass = ours == doc || ours == alt;
        break;
    default:
        r->pass = ours == doc;
    }
    if (changed == 1)
        r->pass = 0;
    if (!r->pass) {
        test_failures++;
        print_error("FAIL %s(%s): returned %s, expected %s%s\n",
                    method,
                    input,
                    hr_name(ours, a, sizeof(a)),
                    kind == K_UNDOC ? "a failure" : hr_name(doc, b, sizeof(b)),
                    changed == 1 ? " (and the call changed the object)" : "");
    }
}

/* A row of each kind, without a before/after comparison. */
#define DOC(doc, method, input, call)        rec(method, input, K_DOC, doc, doc, (call), -1)
#define CONV(doc, method, input, call)       rec(method, input, K_CONV, doc, doc, (call), -1)
#define UNDOC(method, input, call)           rec(method, input, K_UNDOC, E_FAIL, E_FAIL, (call), -1)
#define KNOWN(doc, alt, method, input, call) rec(method, input, K_KNOWN, doc, alt, (call), -1)

/* Starts a test: no failures counted yet (a test that stopped at an
 * assertion may have left some). */
static int begin_test(void **state)
{
    (void)state;
    test_failures = 0;
    return 0;
}

/* Ends a test: every row of it passed. */
static void end_test(void)
{
    int n = test_failures;

    test_failures = 0;
    if (n)
        print_error("%d row(s) failed\n", n);
    assert_int_equal(n, 0);
}

static void md_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

static const char *kind_name(enum row_kind kind)
{
    switch (kind) {
    case K_DOC:
        return "doc";
    case K_CONV:
        return "conv";
    case K_UNDOC:
        return "undoc";
    case K_KNOWN:
        return "known";
    default:
        return "accept";
    }
}

static void write_table(void)
{
    const char *path = getenv("BITSDO_BAD_INPUT_TABLE");
    int i, passed = 0, per_kind[5] = {0};
    char a[48], b[48];
    FILE *f;

    for (i = 0; i < row_count; i++) {
        passed += rows[i].pass;
        per_kind[rows[i].kind]++;
    }
    print_message("bad-input table: %d rows, %d passed (doc %d, conv %d, undoc %d, known %d, accept %d)\n",
                  row_count,
                  passed,
                  per_kind[K_DOC],
                  per_kind[K_CONV],
                  per_kind[K_UNDOC],
                  per_kind[K_KNOWN],
                  per_kind[K_ACCEPT]);
    if (!path || !*path)
        return;
    if (!(f = fopen(path, "w"))) {
        print_error("cannot write %s\n", path);
        return;
    }
    fprintf(f,
            "# Bad input, method by method\n\n"
            "Written by `tests/test_bad_input.c`; do not edit. To regenerate, from the repository\n"
            "(after `cmake --build --preset ci`):\n\n"
            "    BITSDO_BAD_INPUT_TABLE=$PWD/docs/bad-input.md ctest --preset ci -R '^test_bad_input$'\n\n"
            "Each row is one call. *Documented* is the code Microsoft's documentation gives for\n"
            "that input (BITS, Delivery Optimization, BITS 1.0 pages on learn.microsoft.com);\n"
            "*kind* says where the expectation comes from:\n\n"
            "- `doc`: the documented code, checked exactly;\n"
            "- `conv`: the documentation names none; the convention the note names, else COM's\n"
            "  (E_POINTER for a NULL out-pointer, E_NOINTERFACE for an interface not\n"
            "  implemented), checked exactly;\n"
            "- `undoc`: the documentation names none: the call must fail, and leave the object\n"
            "  unchanged;\n"
            "- `known`: bitsdo answers otherwise than documented; the note says why;\n"
            "- `accept`: the documentation names no limit: accepted, and read back whole.\n\n"
            "Every failing call is also checked to leave its object as it was (state, file\n"
            "count, progress and main properties compared before and after): *unchanged*.\n\n"
            "%d rows, %d pass (doc %d, conv %d, undoc %d, known %d, accept %d).\n\n",
            row_count,
            passed,
            per_kind[K_DOC],
            per_kind[K_CONV],
            per_kind[K_UNDOC],
            per_kind[K_KNOWN],
            per_kind[K_ACCEPT]);
    fprintf(f,
            "| # | method | input | documented | ours | kind | unchanged | result | note |\n"
            "|---|---|---|---|---|---|---|---|---|\n");
    for (i = 0; i < row_count; i++) {
        const bi_row *r = &rows[i];
        fprintf(f, "| %d | ", i + 1);
        md_escape(f, r->method);
        fputs(" | ", f);
        md_escape(f, r->input);
        fprintf(f,
                " | %s | %s | %s | %s | %s | ",
                r->kind == K_UNDOC ? "(none: fails)" : hr_name(r->doc, a, sizeof(a)),
                hr_name(r->ours, b, sizeof(b)),
                kind_name(r->kind),
                r->changed == 0   ? "yes"
                : r->changed == 1 ? "**no**"
                                  : "-",
                r->pass ? "pass" : "**FAIL**");
        md_escape(f, r->note);
        fputs(" |\n", f);
    }
    fclose(f);
    print_message("wrote %s\n", path);
}

/* --- before/after snapshots -------------------------------------------------- */

typedef struct job_snap {
    BG_JOB_STATE state;
    BG_JOB_PROGRESS progress;
    BG_JOB_PRIORITY priority;
    ULONG notify_flags, retry, timeout, files;
    WCHAR name[300], description[300];
} job_snap;

static void job_snap_take(IBackgroundCopyJob *job, job_snap *s)
{
    IEnumBackgroundCopyFiles *e = NULL;
    LPWSTR str = NULL;

    memset(s, 0, sizeof(*s));
    IBackgroundCopyJob_GetState(job, &s->state);
    IBackgroundCopyJob_GetProgress(job, &s->progress);
    IBackgroundCopyJob_GetPriority(job, &s->priority);
    IBackgroundCopyJob_GetNotifyFlags(job, &s->notify_flags);
    IBackgroundCopyJob_GetMinimumRetryDelay(job, &s->retry);
    IBackgroundCopyJob_GetNoProgressTimeout(job, &s->timeout);
    if (SUCCEEDED(IBackgroundCopyJob_EnumFiles(job, &e))) {
        IEnumBackgroundCopyFiles_GetCount(e, &s->files);
        IEnumBackgroundCopyFiles_Release(e);
    }
    if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &str)) && str)
        lstrcpynW(s->name, str, ARRAYSIZE(s->name));
    CoTaskMemFree(str);
    str = NULL;
    if (SUCCEEDED(IBackgroundCopyJob_GetDescription(job, &str)) && str)
        lstrcpynW(s->description, str, ARRAYSIZE(s->description));
    CoTaskMemFree(str);
}

static int job_snap_differs(const job_snap *a, const job_snap *b)
{
    return memcmp(a, b, sizeof(*a)) != 0;
}

/* A row on a job (or on one of its interfaces): before and after compared. */
#define JROW(job, kind, doc, method, input, call)                                                        \
    do {                                                                                                 \
        job_snap before_, after_;                                                                        \
        HRESULT hr_;                                                                                     \
        job_snap_take((job), &before_);                                                                  \
        hr_ = (call);                                                                                    \
        job_snap_take((job), &after_);                                                                   \
        rec(method, input, kind, doc, doc, hr_, FAILED(hr_) ? job_snap_differs(&before_, &after_) : -1); \
    } while (0)
#define JDOC(job, doc, method, input, call)  JROW(job, K_DOC, doc, method, input, call)
#define JCONV(job, doc, method, input, call) JROW(job, K_CONV, doc, method, input, call)
#define JUNDOC(job, method, input, call)     JROW(job, K_UNDOC, E_FAIL, method, input, call)

typedef struct do_snap {
    DO_DOWNLOAD_STATUS status;
    WCHAR uri[300], path[300], name[300];
} do_snap;

static void do_get_str(IDODownload *d, DODownloadProperty id, WCHAR *out, size_t cap)
{
    VARIANT v;

    VariantInit(&v);
    out[0] = 0;
    if (SUCCEEDED(IDODownload_GetProperty(d, id, &v)) && V_VT(&v) == VT_BSTR && V_BSTR(&v))
        lstrcpynW(out, V_BSTR(&v), (int)cap);
    VariantClear(&v);
}

static void do_snap_take(IDODownload *d, do_snap *s)
{
    memset(s, 0, sizeof(*s));
    IDODownload_GetStatus(d, &s->status);
    do_get_str(d, DODownloadProperty_Uri, s->uri, ARRAYSIZE(s->uri));
    do_get_str(d, DODownloadProperty_LocalPath, s->path, ARRAYSIZE(s->path));
    do_get_str(d, DODownloadProperty_DisplayName, s->name, ARRAYSIZE(s->name));
}

#define DROW(d, kind, doc, method, input, call)                                  \
    do {                                                                         \
        do_snap before_, after_;                                                 \
        HRESULT hr_;                                                             \
        do_snap_take((d), &before_);                                             \
        hr_ = (call);                                                            \
        do_snap_take((d), &after_);                                              \
        rec(method,                                                              \
            input,                                                               \
            kind,                                                                \
            doc,                                                                 \
            doc,                                                                 \
            hr_,                                                                 \
            FAILED(hr_) ? memcmp(&before_, &after_, sizeof(before_)) != 0 : -1); \
    } while (0)
#define DDOC(d, doc, method, input, call)  DROW(d, K_DOC, doc, method, input, call)
#define DCONV(d, doc, method, input, call) DROW(d, K_CONV, doc, method, input, call)
#define DUNDOC(d, method, input, call)     DROW(d, K_UNDOC, E_FAIL, method, input, call)

typedef struct group_snap {
    DWORD status, index, size, files;
    WCHAR name[300];
} group_snap;

static void group_snap_take(IBackgroundCopyGroup *g, IBackgroundCopyJob1 *job, group_snap *s)
{
    VARIANT v;

    memset(s, 0, sizeof(*s));
    IBackgroundCopyGroup_GetStatus(g, &s->status, &s->index);
    IBackgroundCopyGroup_get_Size(g, &s->size);
    if (job)
        IBackgroundCopyJob1_GetFileCount(job, &s->files);
    VariantInit(&v);
    if (SUCCEEDED(IBackgroundCopyGroup_GetProp(g, GROUPPROP_DISPLAYNAME, &v)) && V_VT(&v) == VT_BSTR &&
        V_BSTR(&v))
        lstrcpynW(s->name, V_BSTR(&v), ARRAYSIZE(s->name));
    VariantClear(&v);
}

#define GROW(g, j, kind, doc, method, input, call)                               \
    do {                                                                         \
        group_snap before_, after_;                                              \
        HRESULT hr_;                                                             \
        group_snap_take((g), (j), &before_);                                     \
        hr_ = (call);                                                            \
        group_snap_take((g), (j), &after_);                                      \
        rec(method,                                                              \
            input,                                                               \
            kind,                                                                \
            doc,                                                                 \
            doc,                                                                 \
            hr_,                                                                 \
            FAILED(hr_) ? memcmp(&before_, &after_, sizeof(before_)) != 0 : -1); \
    } while (0)
#define GDOC(g, j, doc, method, input, call)  GROW(g, j, K_DOC, doc, method, input, call)
#define GCONV(g, j, doc, method, input, call) GROW(g, j, K_CONV, doc, method, input, call)
#define GUNDOC(g, j, method, input, call)     GROW(g, j, K_UNDOC, E_FAIL, method, input, call)

/* --- inputs ------------------------------------------------------------------ */

static IBackgroundCopyManager *mgr;
static IDOManager *domgr;
static IBackgroundCopyQMgr *qmgr;
static WCHAR src[MAX_PATH], src2[MAX_PATH], src_url[MAX_PATH * 3], dest[MAX_PATH];
static WCHAR *long_str;  /* LONG_CHARS 'a's */
static WCHAR *long_path; /* C:\ and LONG_CHARS characters */
static WCHAR *long_url;  /* http://127.0.0.1/ and LONG_CHARS characters */
static WCHAR url_2200[2300], url_2201[2300], url_2085[2300];
static WCHAR missing_drive[16];
#define SRC_SIZE (64u * 1024u)

/* An http URL of exactly `len` characters. */
static void make_url(WCHAR *out, size_t len)
{
    size_t i;

    wcscpy(out, L"http://127.0.0.1/");
    for (i = wcslen(out); i < len; i++)
        out[i] = (i % 100) ? L'u' : L'/';
    out[len] = 0;
}

static int group_setup(void **state)
{
    DWORD drives;
    int c;

    if (tu_group_setup(state))
        return -1;
    mgr = tu_manager();
    if (FAILED(CoCreateInstance(&CLSID_BitsdoPrivateDeliveryOptimization,
                                NULL,
                                CLSCTX_INPROC_SERVER,
                                &IID_IDOManager,
                                (void **)&domgr)))
        return -1;
    if (FAILED(CoCreateInstance(
            &CLSID_BitsdoPrivateQMgr, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyQMgr, (void **)&qmgr)))
        return -1;
    tu_path(src, MAX_PATH, L"source.bin");
    tu_make_file(src, SRC_SIZE, 3);
    tu_path(src2, MAX_PATH, L"source2.bin");
    tu_make_file(src2, SRC_SIZE, 4);
    tu_file_url(src_url, ARRAYSIZE(src_url), src);
    tu_path(dest, MAX_PATH, L"dest.bin");

    long_str = malloc((LONG_CHARS + 1) * sizeof(WCHAR));
    long_path = malloc((LONG_CHARS + 8) * sizeof(WCHAR));
    long_url = malloc((LONG_CHARS + 32) * sizeof(WCHAR));
    if (!long_str || !long_path || !long_url)
        return -1;
    wmemset(long_str, L'a', LONG_CHARS);
    long_str[LONG_CHARS] = 0;
    wcscpy(long_path, L"C:\\");
    wcscat(long_path, long_str);
    wcscpy(long_url, L"http://127.0.0.1/");
    wcscat(long_url, long_str);
    make_url(url_2200, 2200);
    make_url(url_2201, 2201);
    make_url(url_2085, 2085);

    /* A drive letter nothing is mapped to. */
    drives = GetLogicalDrives();
    for (c = 'Q'; c <= 'Y' && (drives & (1u << (c - 'A'))); c++)
        ;
    swprintf(missing_drive, ARRAYSIZE(missing_drive), L"%c:\\x.bin", c);
    return 0;
}

static int group_teardown(void **state)
{
    write_table();
    free(long_str);
    free(long_path);
    free(long_url);
    IBackgroundCopyQMgr_Release(qmgr);
    IDOManager_Release(domgr);
    IBackgroundCopyManager_Release(mgr);
    return tu_group_teardown(state);
}

static IBackgroundCopyJob *new_job(const WCHAR *name)
{
    return tu_create_job(mgr, name, NULL);
}

static IBackgroundCopyJob *job_with_file(const WCHAR *name)
{
    IBackgroundCopyJob *job = new_job(name);

    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, dest));
    return job;
}

/* A job in state CANCELLED, ACKNOWLEDGED, TRANSFERRED or ERROR. */
static IBackgroundCopyJob *job_in_state(BG_JOB_STATE want)
{
    IBackgroundCopyJob *job;
    WCHAR missing[MAX_PATH];

    switch (want) {
    case BG_JOB_STATE_CANCELLED:
        job = job_with_file(L"cancelled");
        assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
        break;
    case BG_JOB_STATE_ERROR:
        job = new_job(L"error");
        tu_path(missing, MAX_PATH, L"no-such-source.bin");
        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, missing, dest));
        assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
        assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_ERROR);
        break;
    default:
        job = job_with_file(L"transferred");
        assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
        assert_true(wait_for_state(job, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
        if (want == BG_JOB_STATE_ACKNOWLEDGED) {
            assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
            DeleteFileW(dest);
        }
    }
    assert_int_equal(tu_state(job), want);
    return job;
}

static ULONG file_count(IBackgroundCopyJob *job)
{
    IEnumBackgroundCopyFiles *e = NULL;
    ULONG n = 0;

    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(job, &e));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_GetCount(e, &n));
    IEnumBackgroundCopyFiles_Release(e);
    return n;
}

/* --- IBackgroundCopyManager ---------------------------------------------------- */

static void test_manager(void **state)
{
    IBackgroundCopyJob *job = (IBackgroundCopyJob *)1;
    IEnumBackgroundCopyJobs *e = NULL;
    WCHAR name257[260];
    LPWSTR s = NULL;
    GUID id, random;
    void *p = NULL;

    (void)state;
    wmemset(name257, L'n', 257);
    name257[257] = 0;
    CoCreateGuid(&random);

    CONV(E_POINTER,
         "IBackgroundCopyManager::QueryInterface",
         "ppv NULL",
         IBackgroundCopyManager_QueryInterface(mgr, &IID_IUnknown, NULL));
    CONV(E_NOINTERFACE,
         "IBackgroundCopyManager::QueryInterface",
         "IID_IBackgroundCopyJob",
         IBackgroundCopyManager_QueryInterface(mgr, &IID_IBackgroundCopyJob, &p));

    note("documented: the display name must not be NULL");
    DOC(E_INVALIDARG,
        "IBackgroundCopyManager::CreateJob",
        "DisplayName NULL",
        IBackgroundCopyManager_CreateJob(mgr, NULL, BG_JOB_TYPE_DOWNLOAD, &id, &job));
    note("documented: E_INVALIDARG \"the display name is too long\" (limit 256)");
    DOC(E_INVALIDARG,
        "IBackgroundCopyManager::CreateJob",
        "DisplayName of 257 characters",
        IBackgroundCopyManager_CreateJob(mgr, name257, BG_JOB_TYPE_DOWNLOAD, &id, &job));
    DOC(E_INVALIDARG,
        "IBackgroundCopyManager::CreateJob",
        "DisplayName of 100,000 characters",
        IBackgroundCopyManager_CreateJob(mgr, long_str, BG_JOB_TYPE_DOWNLOAD, &id, &job));
    CONV(E_POINTER,
         "IBackgroundCopyManager::CreateJob",
         "pJobId NULL",
         IBackgroundCopyManager_CreateJob(mgr, L"x", BG_JOB_TYPE_DOWNLOAD, NULL, &job));
    CONV(E_POINTER,
         "IBackgroundCopyManager::CreateJob",
         "ppJob NULL",
         IBackgroundCopyManager_CreateJob(mgr, L"x", BG_JOB_TYPE_DOWNLOAD, &id, NULL));
    UNDOC("IBackgroundCopyManager::CreateJob",
          "Type 3 (not in BG_JOB_TYPE)",
          IBackgroundCopyManager_CreateJob(mgr, L"x", (BG_JOB_TYPE)3, &id, &job));
    UNDOC("IBackgroundCopyManager::CreateJob",
          "Type -1",
          IBackgroundCopyManager_CreateJob(mgr, L"x", (BG_JOB_TYPE)-1, &id, &job));
    note("uploads are not implemented (honest E_NOTIMPL)");
    KNOWN(S_OK,
          E_NOTIMPL,
          "IBackgroundCopyManager::CreateJob",
          "BG_JOB_TYPE_UPLOAD",
          IBackgroundCopyManager_CreateJob(mgr, L"x", BG_JOB_TYPE_UPLOAD, &id, &job));
    assert_null(job);
    /* The empty name is a name. */
    job = NULL;
    DOC(S_OK,
        "IBackgroundCopyManager::CreateJob",
        "DisplayName \"\"",
        IBackgroundCopyManager_CreateJob(mgr, L"", BG_JOB_TYPE_DOWNLOAD, &id, &job));
    if (job) {
        IBackgroundCopyJob_Cancel(job);
        IBackgroundCopyJob_Release(job);
    }

    CONV(E_POINTER,
         "IBackgroundCopyManager::GetJob",
         "ppJob NULL",
         IBackgroundCopyManager_GetJob(mgr, &id, NULL));
    UNDOC("IBackgroundCopyManager::GetJob", "jobID NULL", IBackgroundCopyManager_GetJob(mgr, NULL, &job));
    DOC(BG_E_NOT_FOUND,
        "IBackgroundCopyManager::GetJob",
        "unknown GUID",
        IBackgroundCopyManager_GetJob(mgr, &random, &job));
    DOC(BG_E_NOT_FOUND,
        "IBackgroundCopyManager::GetJob",
        "GUID_NULL",
        IBackgroundCopyManager_GetJob(mgr, &GUID_NULL, &job));
    note("a cancelled job leaves the queue");
    DOC(BG_E_NOT_FOUND,
        "IBackgroundCopyManager::GetJob",
        "the id of a cancelled job",
        IBackgroundCopyManager_GetJob(mgr, &id, &job));

    CONV(E_POINTER,
         "IBackgroundCopyManager::EnumJobs",
         "ppEnum NULL",
         IBackgroundCopyManager_EnumJobs(mgr, 0, NULL));
    UNDOC("IBackgroundCopyManager::EnumJobs",
          "dwFlags 0x2 (unknown flag)",
          IBackgroundCopyManager_EnumJobs(mgr, 2, &e));
    UNDOC("IBackgroundCopyManager::EnumJobs",
          "dwFlags 0xFFFFFFFF",
          IBackgroundCopyManager_EnumJobs(mgr, 0xffffffffu, &e));

    CONV(E_POINTER,
         "IBackgroundCopyManager::GetErrorDescription",
         "pErrorDescription NULL",
         IBackgroundCopyManager_GetErrorDescription(mgr, BG_E_NOT_FOUND, 0x409, NULL));
    note("a code nobody describes: the system's message table has no text either");
    UNDOC("IBackgroundCopyManager::GetErrorDescription",
          "hResult 0x8FFFFFFF (unknown code)",
          IBackgroundCopyManager_GetErrorDescription(mgr, (HRESULT)0x8fffffff, 0x409, &s));
    CoTaskMemFree(s);
    end_test();
}

/* --- IBackgroundCopyJob: names -------------------------------------------------- */

static void test_add_file_local_names(void **state)
{
    IBackgroundCopyJob *job = new_job(L"local names");
    IBackgroundCopyJob3 *job3 = tu_qi(job, &IID_IBackgroundCopyJob3);
    WCHAR path[MAX_PATH * 2], dir_slash[MAX_PATH];
    BG_FILE_RANGE range = {0, 100};
    BG_FILE_INFO info;
    struct {
        const char *input;
        const WCHAR *local;
    } bad[32];
    WCHAR buf[16][MAX_PATH * 2];
    int n = 0, i;

    (void)state;
#define BAD(text, value) (bad[n].input = (text), bad[n].local = (value), n++)
    BAD("NULL", NULL);
    BAD("\"\"", L"");
    BAD("relative \"dest.bin\"", L"dest.bin");
    BAD("relative \".\\\\dest.bin\"", L".\\dest.bin");
    BAD("relative \"..\\\\dest.bin\"", L"..\\dest.bin");
    BAD("root-relative \"\\\\dest.bin\"", L"\\dest.bin");
    BAD("drive-relative \"C:dest.bin\"", L"C:dest.bin");
    BAD("device \"CON\"", L"CON");
    BAD("device \"NUL\"", L"NUL");
    BAD("device \"\\\\\\\\.\\\\PhysicalDrive0\"", L"\\\\.\\PhysicalDrive0");
    BAD("device \"\\\\\\\\.\\\\NUL\"", L"\\\\.\\NUL");
    BAD("device in a folder \"<dir>\\\\CON\"", tu_path(buf[0], MAX_PATH * 2, L"CON"));
    BAD("device with extension \"<dir>\\\\nul.txt\"", tu_path(buf[1], MAX_PATH * 2, L"nul.txt"));
    BAD("device \"<dir>\\\\COM1\"", tu_path(buf[2], MAX_PATH * 2, L"COM1"));
    BAD("device \"<dir>\\\\LPT9.bin\"", tu_path(buf[3], MAX_PATH * 2, L"LPT9.bin"));
    BAD("stream \"<dir>\\\\file.txt:stream\"", tu_path(buf[4], MAX_PATH * 2, L"file.txt:stream"));
    BAD("stream \"<dir>\\\\file.txt::$DATA\"", tu_path(buf[5], MAX_PATH * 2, L"file.txt::$DATA"));
    BAD("missing drive \"<letter>:\\\\x.bin\"", missing_drive);
    BAD("the test folder itself (a directory)", tu_dir());
    swprintf(dir_slash, MAX_PATH, L"%ls\\", tu_dir());
    BAD("a directory with a trailing \"\\\\\"", dir_slash);
    BAD("a folder that does not exist \"<dir>\\\\no\\\\x.bin\"", tu_path(buf[6], MAX_PATH * 2, L"no\\x.bin"));
    BAD("\"\\\\\\\\?\\\\<dir>\\\\x.bin\"", (swprintf(buf[7], MAX_PATH * 2, L"\\\\?\\%ls", dest), buf[7]));
    BAD("wildcard \"<dir>\\\\*.bin\"", tu_path(buf[8], MAX_PATH * 2, L"*.bin"));
    BAD("wildcard \"<dir>\\\\x?.bin\"", tu_path(buf[9], MAX_PATH * 2, L"x?.bin"));
    BAD("\"<dir>\\\\a|b\"", tu_path(buf[10], MAX_PATH * 2, L"a|b"));
    BAD("control character \"<dir>\\\\a\\\\tb\"", tu_path(buf[11], MAX_PATH * 2, L"a\tb"));
    BAD("100,000 characters \"C:\\\\aaa...\"", long_path);
    BAD("a component of 256 characters", (tu_path(buf[12], MAX_PATH * 2, L"%.256ls", long_str), buf[12]));
    BAD("\"C:\\\\\" (a drive root)", L"C:\\");
#undef BAD

    for (i = 0; i < n; i++) {
        char what[160];
        snprintf(what, sizeof(what), "LocalName %s", bad[i].input);
        note(i == 0 ? "documented as not valid: E_INVALIDARG" : NULL);
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob::AddFile",
             what,
             IBackgroundCopyJob_AddFile(job, src, bad[i].local));
        info.RemoteName = src;
        info.LocalName = (WCHAR *)bad[i].local;
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob::AddFileSet",
             what,
             IBackgroundCopyJob_AddFileSet(job, 1, &info));
        if (bad[i].local)
            JDOC(job,
                 E_INVALIDARG,
                 "IBackgroundCopyJob3::AddFileWithRanges",
                 what,
                 IBackgroundCopyJob3_AddFileWithRanges(job3, src, bad[i].local, 1, &range));
    }
    assert_int_equal(file_count(job), 0);

    /* What is accepted: a long but legal name, an absolute path with '/'. */
    tu_path(path, ARRAYSIZE(path), L"%.200ls.bin", long_str);
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::AddFile",
         "LocalName with a 204-character component",
         IBackgroundCopyJob_AddFile(job, src, path));
    assert_int_equal(file_count(job), 1);

    IBackgroundCopyJob3_Release(job3);
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
    end_test();
}

static void test_add_file_remote_names(void **state)
{
    IBackgroundCopyJob *job = new_job(L"remote names");
    IBackgroundCopyJob3 *job3 = tu_qi(job, &IID_IBackgroundCopyJob3);
    WCHAR buf[4][MAX_PATH * 2];
    BG_FILE_RANGE range = {0, 100};
    BG_FILE_INFO info;
    struct {
        const char *input;
        const WCHAR *remote;
    } bad[32];
    int n = 0, i;

    (void)state;
#define BAD(text, value) (bad[n].input = (text), bad[n].remote = (value), n++)
    BAD("NULL", NULL);
    BAD("\"\"", L"");
    BAD("ftp://127.0.0.1/x", L"ftp://127.0.0.1/x");
    BAD("gopher://127.0.0.1/x", L"gopher://127.0.0.1/x");
    BAD("mailto:a@example.com", L"mailto:a@example.com");
    BAD("javascript:alert(1)", L"javascript:alert(1)");
    BAD("data:,hello", L"data:,hello");
    BAD("ldap://127.0.0.1/x", L"ldap://127.0.0.1/x");
    BAD("\"http://\" (no host)", L"http://");
    BAD("\"http:///x\" (empty host)", L"http:///x");
    BAD("relative \"source.bin\"", L"source.bin");
    BAD("relative \"..\\\\source.bin\"", L"..\\source.bin");
    BAD("device \"\\\\\\\\.\\\\PhysicalDrive0\"", L"\\\\.\\PhysicalDrive0");
    BAD("device \"CON\"", L"CON");
    BAD("device in a folder \"<dir>\\\\NUL\"", tu_path(buf[0], MAX_PATH * 2, L"NUL"));
    BAD("stream \"<dir>\\\\source.bin:s\"", tu_path(buf[1], MAX_PATH * 2, L"source.bin:s"));
    BAD("\"\\\\\\\\?\\\\<dir>\\\\source.bin\"", (swprintf(buf[2], MAX_PATH * 2, L"\\\\?\\%ls", src), buf[2]));
    BAD("URL of 2,201 characters (limit 2,200)", url_2201);
    BAD("URL of 100,017 characters", long_url);
    BAD("drive path of 100,003 characters", long_path);
#undef BAD

    for (i = 0; i < n; i++) {
        char what[160];
        snprintf(what, sizeof(what), "RemoteUrl %s", bad[i].input);
        note(i == 2 ? "documented: \"the remote file name uses an unsupported protocol\""
             : i == 17
                 ? "BG_FILE_INFO: remote names are limited to 2,200 characters (not INTERNET_MAX_URL_LENGTH)"
                 : NULL);
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob::AddFile",
             what,
             IBackgroundCopyJob_AddFile(job, bad[i].remote, dest));
        info.RemoteName = (WCHAR *)bad[i].remote;
        info.LocalName = dest;
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob::AddFileSet",
             what,
             IBackgroundCopyJob_AddFileSet(job, 1, &info));
        if (bad[i].remote)
            JDOC(job,
                 E_INVALIDARG,
                 "IBackgroundCopyJob3::AddFileWithRanges",
                 what,
                 IBackgroundCopyJob3_AddFileWithRanges(job3, bad[i].remote, dest, 1, &range));
    }
    assert_int_equal(file_count(job), 0);

    note("2,200 is the documented limit; 2,085 is past INTERNET_MAX_URL_LENGTH (2,084), which BITS does not "
         "apply");
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::AddFile",
         "URL of 2,085 characters",
         IBackgroundCopyJob_AddFile(job, url_2085, tu_path(buf[3], MAX_PATH * 2, L"ok1.bin")));
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::AddFile",
         "URL of 2,200 characters",
         IBackgroundCopyJob_AddFile(job, url_2200, tu_path(buf[3], MAX_PATH * 2, L"ok2.bin")));
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::AddFile",
         "scheme in capitals HTTP://127.0.0.1/x",
         IBackgroundCopyJob_AddFile(job, L"HTTP://127.0.0.1/x", tu_path(buf[3], MAX_PATH * 2, L"ok3.bin")));
    assert_int_equal(file_count(job), 3);

    /* AddFileSet: all or nothing, counts and NULL. */
    {
        BG_FILE_INFO set[2] = {{src, dest}, {(WCHAR *)L"ftp://127.0.0.1/x", buf[3]}};
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob::AddFileSet",
             "second of two entries bad (none added)",
             IBackgroundCopyJob_AddFileSet(job, 2, set));
        note("documented NULL for pFileSet is not listed; E_INVALIDARG as for a bad name");
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob::AddFileSet",
             "pFileSet NULL, cFileCount 1",
             IBackgroundCopyJob_AddFileSet(job, 1, NULL));
        JDOC(job,
             S_OK,
             "IBackgroundCopyJob::AddFileSet",
             "cFileCount 0",
             IBackgroundCopyJob_AddFileSet(job, 0, set));
    }
    assert_int_equal(file_count(job), 3);

    IBackgroundCopyJob3_Release(job3);
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
    end_test();
}

/* Two files of one job, and files of two jobs, whose local names are one
 * file: the final file must never silently hold one file's bytes in place
 * of another's. */
static void test_same_destination(void **state)
{
    IBackgroundCopyJob *job, *a, *b;
    WCHAR upper[MAX_PATH], dotted[MAX_PATH], slashes[MAX_PATH], shortname[MAX_PATH], longdir[MAX_PATH];
    WCHAR in_long[MAX_PATH], in_short[MAX_PATH], *p;
    DWORD len;

    (void)state;
    /* One file under several spellings. */
    wcscpy(upper, dest);
    CharUpperW(upper + wcslen(tu_dir()) + 1);
    tu_path(dotted, MAX_PATH, L".\\dest.bin");
    wcscpy(slashes, dest);
    for (p = slashes; *p; p++)
        if (*p == L'\\')
            *p = L'/';
    tu_path(longdir, MAX_PATH, L"a folder with a long name");
    tu_mkdirs(longdir);
    swprintf(in_long, MAX_PATH, L"%ls\\same.bin", longdir);
    len = GetShortPathNameW(longdir, shortname, MAX_PATH);
    swprintf(in_short, MAX_PATH, L"%ls\\same.bin", len && len < MAX_PATH ? shortname : longdir);
    print_message("8.3 form of the folder: %ls\n", in_short);

    job = new_job(L"same destination");
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::AddFile",
         "first file to <dir>\\dest.bin",
         IBackgroundCopyJob_AddFile(job, src, dest));
    note("not documented; a second file to the same final name would overwrite the first at Complete");
    JUNDOC(job,
           "IBackgroundCopyJob::AddFile",
           "second file, same LocalName",
           IBackgroundCopyJob_AddFile(job, src2, dest));
    JUNDOC(job,
           "IBackgroundCopyJob::AddFile",
           "second file, LocalName in other case",
           IBackgroundCopyJob_AddFile(job, src2, upper));
    JUNDOC(job,
           "IBackgroundCopyJob::AddFile",
           "second file, LocalName with '/' separators",
           IBackgroundCopyJob_AddFile(job, src2, slashes));
    note("a '.' component is refused as not valid anyway");
    JUNDOC(job,
           "IBackgroundCopyJob::AddFile",
           "second file, LocalName \"<dir>\\\\.\\\\dest.bin\"",
           IBackgroundCopyJob_AddFile(job, src2, dotted));
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::AddFile",
         "file to <dir>\\a folder with a long name\\same.bin",
         IBackgroundCopyJob_AddFile(job, src, in_long));
    if (wcscmp(in_short, in_long)) {
        JUNDOC(job,
               "IBackgroundCopyJob::AddFile",
               "second file, same file through the 8.3 folder name",
               IBackgroundCopyJob_AddFile(job, src2, in_short));
    }
    {
        BG_FILE_INFO set[2] = {{src, dest}, {src2, upper}};
        IBackgroundCopyJob *fresh = new_job(L"same destination in one set");
        JUNDOC(fresh,
               "IBackgroundCopyJob::AddFileSet",
               "two entries, one file in two cases",
               IBackgroundCopyJob_AddFileSet(fresh, 2, set));
        IBackgroundCopyJob_Cancel(fresh);
        IBackgroundCopyJob_Release(fresh);
    }
    assert_int_equal(file_count(job), 2);
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);

    /* Two jobs to one file (in two spellings): each job is whole; the one
     * completed last is what the file holds, byte for byte. */
    DeleteFileW(dest);
    a = new_job(L"same destination A");
    b = new_job(L"same destination B");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(a, src, dest));
    note("not documented; two jobs may name one file: each Complete puts a whole file in place");
    DOC(S_OK,
        "IBackgroundCopyJob::AddFile",
        "second job, same file in other case",
        IBackgroundCopyJob_AddFile(b, src2, upper));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(a));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(b));
    assert_true(wait_for_state(a, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_true(wait_for_state(b, BG_JOB_STATE_TRANSFERRED, TU_WAIT_MS));
    assert_false(tu_exists(dest));
    DOC(S_OK,
        "IBackgroundCopyJob::Complete",
        "job A (dest.bin), B transferred to DEST.BIN",
        IBackgroundCopyJob_Complete(a));
    assert_true(tu_check_pattern(dest, SRC_SIZE, 3));
    DOC(S_OK,
        "IBackgroundCopyJob::Complete",
        "job B to DEST.BIN after A's Complete",
        IBackgroundCopyJob_Complete(b));
    assert_true(tu_check_pattern(dest, SRC_SIZE, 4));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(a);
    IBackgroundCopyJob_Release(b);
    DeleteFileW(dest);
    end_test();
}

/* --- IBackgroundCopyJob: every other method -------------------------------------- */

static void test_job_methods(void **state)
{
    IBackgroundCopyJob *job = job_with_file(L"methods");
    IBackgroundCopyJob5 *job5 = tu_qi(job, &IID_IBackgroundCopyJob5);
    WCHAR name257[260], desc1025[1030];
    BG_JOB_PROXY_USAGE usage;
    LPWSTR s = NULL, s2 = NULL;
    IUnknown *unk = NULL;
    ULONG u;
    void *p;

    (void)state;
    wmemset(name257, L'n', 257);
    name257[257] = 0;
    wmemset(desc1025, L'd', 1025);
    desc1025[1025] = 0;

    CONV(E_POINTER,
         "IBackgroundCopyJob::QueryInterface",
         "ppv NULL",
         IBackgroundCopyJob_QueryInterface(job, &IID_IUnknown, NULL));
    CONV(E_NOINTERFACE,
         "IBackgroundCopyJob::QueryInterface",
         "IID_IBackgroundCopyFile",
         IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyFile, &p));

    /* Out-pointers. */
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyJob::EnumFiles",
          "ppEnum NULL",
          IBackgroundCopyJob_EnumFiles(job, NULL));
    JCONV(job, E_POINTER, "IBackgroundCopyJob::GetId", "pVal NULL", IBackgroundCopyJob_GetId(job, NULL));
    JCONV(job, E_POINTER, "IBackgroundCopyJob::GetType", "pVal NULL", IBackgroundCopyJob_GetType(job, NULL));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyJob::GetProgress",
          "pVal NULL",
          IBackgroundCopyJob_GetProgress(job, NULL));
    JCONV(
        job, E_POINTER, "IBackgroundCopyJob::GetTimes", "pVal NULL", IBackgroundCopyJob_GetTimes(job, NULL));
    JCONV(
        job, E_POINTER, "IBackgroundCopyJob::GetState", "pVal NULL", IBackgroundCopyJob_GetState(job, NULL));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyJob::GetError",
          "ppError NULL",
          IBackgroundCopyJob_GetError(job, NULL));
    note("not documented; as the job's documented getters: E_INVALIDARG");
    JCONV(job,
          E_INVALIDARG,
          "IBackgroundCopyJob::GetOwner",
          "pVal NULL",
          IBackgroundCopyJob_GetOwner(job, NULL));
    note("documented: \"The ppDisplayName parameter cannot be NULL\"");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::GetDisplayName",
         "pVal NULL",
         IBackgroundCopyJob_GetDisplayName(job, NULL));
    note("documented: \"The parameter, ppDescription, cannot be NULL\"");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::GetDescription",
         "pVal NULL",
         IBackgroundCopyJob_GetDescription(job, NULL));
    note("documented: \"The pPriority parameter cannot be NULL\"");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::GetPriority",
         "pVal NULL",
         IBackgroundCopyJob_GetPriority(job, NULL));
    note("documented: \"Must pass the address of pNotifyFlags\"");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::GetNotifyFlags",
         "pVal NULL",
         IBackgroundCopyJob_GetNotifyFlags(job, NULL));
    note("documented: \"Must pass the address of the ppNotifyInterface interface pointer\"");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::GetNotifyInterface",
         "pVal NULL",
         IBackgroundCopyJob_GetNotifyInterface(job, NULL));
    note("documented: \"one of the standard COM HRESULT values\"; as the job's documented getters: "
         "E_INVALIDARG");
    JCONV(job,
          E_INVALIDARG,
          "IBackgroundCopyJob::GetMinimumRetryDelay",
          "Seconds NULL",
          IBackgroundCopyJob_GetMinimumRetryDelay(job, NULL));
    note("not documented; as the job's documented getters: E_INVALIDARG");
    JCONV(job,
          E_INVALIDARG,
          "IBackgroundCopyJob::GetNoProgressTimeout",
          "Seconds NULL",
          IBackgroundCopyJob_GetNoProgressTimeout(job, NULL));
    note("not documented; as the job's documented getters: E_INVALIDARG");
    JCONV(job,
          E_INVALIDARG,
          "IBackgroundCopyJob::GetErrorCount",
          "Errors NULL",
          IBackgroundCopyJob_GetErrorCount(job, NULL));
    note("documented: E_INVALIDARG \"One or more of the parameters is NULL\"");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::GetProxySettings",
         "pProxyUsage NULL",
         IBackgroundCopyJob_GetProxySettings(job, NULL, &s, &s2));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::GetProxySettings",
         "pProxyList NULL",
         IBackgroundCopyJob_GetProxySettings(job, &usage, NULL, &s2));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::GetProxySettings",
         "pProxyBypassList NULL",
         IBackgroundCopyJob_GetProxySettings(job, &usage, &s, NULL));

    /* Strings. */
    note("documented: \"The pDisplayName parameter cannot be NULL\"");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::SetDisplayName",
         "NULL",
         IBackgroundCopyJob_SetDisplayName(job, NULL));
    note("documented: BG_E_STRING_TOO_LONG \"The display name exceeds 256 characters\"");
    JDOC(job,
         BG_E_STRING_TOO_LONG,
         "IBackgroundCopyJob::SetDisplayName",
         "257 characters",
         IBackgroundCopyJob_SetDisplayName(job, name257));
    JDOC(job,
         BG_E_STRING_TOO_LONG,
         "IBackgroundCopyJob::SetDisplayName",
         "100,000 characters",
         IBackgroundCopyJob_SetDisplayName(job, long_str));
    note("documented: \"The pDescription parameter cannot be NULL\"");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::SetDescription",
         "NULL",
         IBackgroundCopyJob_SetDescription(job, NULL));
    JDOC(job,
         BG_E_STRING_TOO_LONG,
         "IBackgroundCopyJob::SetDescription",
         "1,025 characters",
         IBackgroundCopyJob_SetDescription(job, desc1025));
    JDOC(job,
         BG_E_STRING_TOO_LONG,
         "IBackgroundCopyJob::SetDescription",
         "100,000 characters",
         IBackgroundCopyJob_SetDescription(job, long_str));

    /* Enums and flags. */
    note("documented: E_NOTIMPL \"not defined in the BG_JOB_PRIORITY enumeration\"");
    JDOC(job,
         E_NOTIMPL,
         "IBackgroundCopyJob::SetPriority",
         "4",
         IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)4));
    JDOC(job,
         E_NOTIMPL,
         "IBackgroundCopyJob::SetPriority",
         "-1",
         IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)-1));
    JDOC(job,
         E_NOTIMPL,
         "IBackgroundCopyJob::SetPriority",
         "0x7FFFFFFF",
         IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)0x7fffffff));
    note("documented: E_NOTIMPL \"The NotifyFlags value is not valid\"");
    JDOC(job,
         E_NOTIMPL,
         "IBackgroundCopyJob::SetNotifyFlags",
         "0x40",
         IBackgroundCopyJob_SetNotifyFlags(job, 0x40));
    JDOC(job,
         E_NOTIMPL,
         "IBackgroundCopyJob::SetNotifyFlags",
         "0xFFFFFFFF",
         IBackgroundCopyJob_SetNotifyFlags(job, 0xffffffffu));
    note("an object that is not an IBackgroundCopyCallback");
    JUNDOC(job,
           "IBackgroundCopyJob::SetNotifyInterface",
           "the manager object",
           IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)mgr));
    note("documented: E_NOTIMPL \"not defined in the BG_JOB_PROXY_USAGE enumeration\"");
    JDOC(job,
         E_NOTIMPL,
         "IBackgroundCopyJob::SetProxySettings",
         "ProxyUsage 9",
         IBackgroundCopyJob_SetProxySettings(job, (BG_JOB_PROXY_USAGE)9, NULL, NULL));
    JDOC(job,
         E_NOTIMPL,
         "IBackgroundCopyJob::SetProxySettings",
         "ProxyUsage -1",
         IBackgroundCopyJob_SetProxySettings(job, (BG_JOB_PROXY_USAGE)-1, NULL, NULL));
    note("documented: E_INVALIDARG for OVERRIDE without a list; the parameters \"must be NULL\" for the "
         "others");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::SetProxySettings",
         "OVERRIDE with a NULL list",
         IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, NULL, NULL));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::SetProxySettings",
         "OVERRIDE with \"\"",
         IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"", NULL));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::SetProxySettings",
         "PRECONFIG with a list",
         IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_PRECONFIG, L"p:80", NULL));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob::SetProxySettings",
         "NO_PROXY with a bypass list",
         IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, L"<local>"));
    note("documented: BG_E_PROXY_LIST_TOO_LARGE past 32 KB");
    JDOC(job,
         BG_E_PROXY_LIST_TOO_LARGE,
         "IBackgroundCopyJob::SetProxySettings",
         "OVERRIDE, list of 100,000 characters",
         IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, long_str, NULL));
    note("documented: BG_E_PROXY_BYPASS_LIST_TOO_LARGE past 32 KB");
    JDOC(job,
         BG_E_PROXY_BYPASS_LIST_TOO_LARGE,
         "IBackgroundCopyJob::SetProxySettings",
         "OVERRIDE, bypass list of 100,000 characters",
         IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"p:80", long_str));

    /* Numbers: accepted and clamped, never refused. */
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::SetMinimumRetryDelay",
         "0 (raised to 5)",
         IBackgroundCopyJob_SetMinimumRetryDelay(job, 0));
    assert_hr(S_OK, IBackgroundCopyJob_GetMinimumRetryDelay(job, &u));
    assert_int_equal(u, 5);
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::SetNoProgressTimeout",
         "0xFFFFFFFF",
         IBackgroundCopyJob_SetNoProgressTimeout(job, 0xffffffffu));

    /* Job2. */
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyJob2::GetNotifyCmdLine",
          "pProgram NULL",
          IBackgroundCopyJob5_GetNotifyCmdLine(job5, NULL, &s));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyJob2::GetNotifyCmdLine",
          "pParameters NULL",
          IBackgroundCopyJob5_GetNotifyCmdLine(job5, &s, NULL));
    JUNDOC(job,
           "IBackgroundCopyJob2::SetNotifyCmdLine",
           "Program NULL, Parameters \"x\"",
           IBackgroundCopyJob5_SetNotifyCmdLine(job5, NULL, L"x"));
    note("documented: program limited to MAX_PATH, parameters to 4,000 characters");
    JDOC(job,
         BG_E_STRING_TOO_LONG,
         "IBackgroundCopyJob2::SetNotifyCmdLine",
         "Program of 100,000 characters",
         IBackgroundCopyJob5_SetNotifyCmdLine(job5, long_path, NULL));
    JDOC(job,
         BG_E_STRING_TOO_LONG,
         "IBackgroundCopyJob2::SetNotifyCmdLine",
         "Parameters of 100,000 characters",
         IBackgroundCopyJob5_SetNotifyCmdLine(job5, L"C:\\windows\\system32\\cmd.exe", long_str));
    {
        BG_JOB_REPLY_PROGRESS rp;
        byte *data = NULL;
        UINT64 len;
        note("documented: BG_E_INVALID_STATE for a job that is not an upload-reply job");
        JDOC(job,
             BG_E_INVALID_STATE,
             "IBackgroundCopyJob2::GetReplyProgress",
             "download job",
             IBackgroundCopyJob5_GetReplyProgress(job5, &rp));
        JDOC(job,
             BG_E_INVALID_STATE,
             "IBackgroundCopyJob2::GetReplyData",
             "download job",
             IBackgroundCopyJob5_GetReplyData(job5, &data, &len));
        JDOC(job,
             BG_E_INVALID_STATE,
             "IBackgroundCopyJob2::SetReplyFileName",
             "download job",
             IBackgroundCopyJob5_SetReplyFileName(job5, dest));
        JDOC(job,
             BG_E_INVALID_STATE,
             "IBackgroundCopyJob2::GetReplyFileName",
             "download job",
             IBackgroundCopyJob5_GetReplyFileName(job5, &s));
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyJob2::GetReplyProgress",
              "pProgress NULL",
              IBackgroundCopyJob5_GetReplyProgress(job5, NULL));
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyJob2::GetReplyData",
              "ppBuffer NULL",
              IBackgroundCopyJob5_GetReplyData(job5, NULL, &len));
    }
    {
        BG_AUTH_CREDENTIALS cred;
        memset(&cred, 0, sizeof(cred));
        note("documented (SetCredentials): E_INVALIDARG for a NULL or invalid BG_AUTH_CREDENTIALS");
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob2::SetCredentials",
             "NULL",
             IBackgroundCopyJob5_SetCredentials(job5, NULL));
        cred.Target = (BG_AUTH_TARGET)7;
        cred.Scheme = BG_AUTH_SCHEME_BASIC;
        note("documented: BG_E_INVALID_AUTH_TARGET");
        JDOC(job,
             BG_E_INVALID_AUTH_TARGET,
             "IBackgroundCopyJob2::SetCredentials",
             "Target 7",
             IBackgroundCopyJob5_SetCredentials(job5, &cred));
        cred.Target = BG_AUTH_TARGET_SERVER;
        cred.Scheme = (BG_AUTH_SCHEME)9;
        note("documented: BG_E_INVALID_AUTH_SCHEME");
        JDOC(job,
             BG_E_INVALID_AUTH_SCHEME,
             "IBackgroundCopyJob2::SetCredentials",
             "Scheme 9",
             IBackgroundCopyJob5_SetCredentials(job5, &cred));
        cred.Scheme = BG_AUTH_SCHEME_BASIC;
        cred.Credentials.Basic.UserName = long_str;
        cred.Credentials.Basic.Password = (WCHAR *)L"p";
        note("documented: BG_E_USERNAME_TOO_LARGE (300 characters)");
        JDOC(job,
             BG_E_USERNAME_TOO_LARGE,
             "IBackgroundCopyJob2::SetCredentials",
             "UserName of 100,000 characters",
             IBackgroundCopyJob5_SetCredentials(job5, &cred));
        cred.Credentials.Basic.UserName = (WCHAR *)L"u";
        cred.Credentials.Basic.Password = long_str;
        note("documented: BG_E_PASSWORD_TOO_LARGE (65,536 characters)");
        JDOC(job,
             BG_E_PASSWORD_TOO_LARGE,
             "IBackgroundCopyJob2::SetCredentials",
             "Password of 100,000 characters",
             IBackgroundCopyJob5_SetCredentials(job5, &cred));
        JDOC(job,
             BG_E_INVALID_AUTH_TARGET,
             "IBackgroundCopyJob2::RemoveCredentials",
             "Target 7",
             IBackgroundCopyJob5_RemoveCredentials(job5, (BG_AUTH_TARGET)7, BG_AUTH_SCHEME_BASIC));
        JDOC(job,
             BG_E_INVALID_AUTH_SCHEME,
             "IBackgroundCopyJob2::RemoveCredentials",
             "Scheme 9",
             IBackgroundCopyJob5_RemoveCredentials(job5, BG_AUTH_TARGET_SERVER, (BG_AUTH_SCHEME)9));
        note("documented: S_FALSE when no such credentials were set");
        JDOC(job,
             S_FALSE,
             "IBackgroundCopyJob2::RemoveCredentials",
             "none set",
             IBackgroundCopyJob5_RemoveCredentials(job5, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_NTLM));
    }

    /* Job3. */
    note("documented: E_INVALIDARG for NULL or empty prefixes");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob3::ReplaceRemotePrefix",
         "OldPrefix NULL",
         IBackgroundCopyJob5_ReplaceRemotePrefix(job5, NULL, L"x"));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob3::ReplaceRemotePrefix",
         "NewPrefix NULL",
         IBackgroundCopyJob5_ReplaceRemotePrefix(job5, L"x", NULL));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob3::ReplaceRemotePrefix",
         "OldPrefix \"\"",
         IBackgroundCopyJob5_ReplaceRemotePrefix(job5, L"", L"x"));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob3::ReplaceRemotePrefix",
         "NewPrefix \"\"",
         IBackgroundCopyJob5_ReplaceRemotePrefix(job5, L"C:", L""));
    {
        WCHAR drive[4] = {src[0], src[1], src[2], 0};
        note("a result that is not a valid remote name (too long)");
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob3::ReplaceRemotePrefix",
             "NewPrefix of 100,003 characters",
             IBackgroundCopyJob5_ReplaceRemotePrefix(job5, drive, long_path));
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob3::ReplaceRemotePrefix",
             "to \"ftp://\"",
             IBackgroundCopyJob5_ReplaceRemotePrefix(job5, drive, L"ftp://"));
    }
    note("documented: S_FALSE when no remote name has the prefix");
    JDOC(job,
         S_FALSE,
         "IBackgroundCopyJob3::ReplaceRemotePrefix",
         "OldPrefix of 100,000 characters",
         IBackgroundCopyJob5_ReplaceRemotePrefix(job5, long_str, L"x"));
    {
        BG_FILE_RANGE r[2] = {{0, 100}, {50, 100}};
        BG_FILE_RANGE zero = {0, 0}, eof_offset = {BG_LENGTH_TO_EOF, 10}, wrap = {~(UINT64)0 - 5, 10};
        WCHAR ranged[MAX_PATH];
        tu_path(ranged, MAX_PATH, L"ranged.bin");
        note("documented: E_INVALIDARG for a zero count or NULL ranges");
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob3::AddFileWithRanges",
             "RangeCount 0",
             IBackgroundCopyJob5_AddFileWithRanges(job5, src, ranged, 0, r));
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob3::AddFileWithRanges",
             "Ranges NULL",
             IBackgroundCopyJob5_AddFileWithRanges(job5, src, ranged, 1, NULL));
        note("documented: BG_E_OVERLAPPING_RANGES");
        JDOC(job,
             BG_E_OVERLAPPING_RANGES,
             "IBackgroundCopyJob3::AddFileWithRanges",
             "overlapping ranges",
             IBackgroundCopyJob5_AddFileWithRanges(job5, src, ranged, 2, r));
        note("documented: BG_E_INVALID_RANGE");
        JDOC(job,
             BG_E_INVALID_RANGE,
             "IBackgroundCopyJob3::AddFileWithRanges",
             "Length 0",
             IBackgroundCopyJob5_AddFileWithRanges(job5, src, ranged, 1, &zero));
        JDOC(job,
             BG_E_INVALID_RANGE,
             "IBackgroundCopyJob3::AddFileWithRanges",
             "InitialOffset BG_LENGTH_TO_EOF",
             IBackgroundCopyJob5_AddFileWithRanges(job5, src, ranged, 1, &eof_offset));
        JDOC(job,
             BG_E_INVALID_RANGE,
             "IBackgroundCopyJob3::AddFileWithRanges",
             "range past 2^64",
             IBackgroundCopyJob5_AddFileWithRanges(job5, src, ranged, 1, &wrap));
    }
    note("documented: E_INVALIDARG for flags outside BG_COPY_FILE_ALL");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob3::SetFileACLFlags",
         "0x100",
         IBackgroundCopyJob5_SetFileACLFlags(job5, 0x100));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob3::SetFileACLFlags",
         "0xFFFFFFFF",
         IBackgroundCopyJob5_SetFileACLFlags(job5, 0xffffffffu));
    note("not documented; as the job's documented getters: E_INVALIDARG");
    JCONV(job,
          E_INVALIDARG,
          "IBackgroundCopyJob3::GetFileACLFlags",
          "Flags NULL",
          IBackgroundCopyJob5_GetFileACLFlags(job5, NULL));

    /* Job4. */
    note("documented: E_INVALIDARG for flags outside the BG_JOB_ENABLE_PEERCACHING_* bits");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyJob4::SetPeerCachingFlags",
         "0x100",
         IBackgroundCopyJob5_SetPeerCachingFlags(job5, 0x100));
    note("not documented; as the job's documented getters: E_INVALIDARG");
    JCONV(job,
          E_INVALIDARG,
          "IBackgroundCopyJob4::GetPeerCachingFlags",
          "pFlags NULL",
          IBackgroundCopyJob5_GetPeerCachingFlags(job5, NULL));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyJob4::GetOwnerIntegrityLevel",
          "pLevel NULL",
          IBackgroundCopyJob5_GetOwnerIntegrityLevel(job5, NULL));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyJob4::GetOwnerElevationState",
          "pElevated NULL",
          IBackgroundCopyJob5_GetOwnerElevationState(job5, NULL));
    note("not documented; as the job's documented getters: E_INVALIDARG");
    JCONV(job,
          E_INVALIDARG,
          "IBackgroundCopyJob4::GetMaximumDownloadTime",
          "pTimeout NULL",
          IBackgroundCopyJob5_GetMaximumDownloadTime(job5, NULL));

    /* Job5. */
    {
        BITS_JOB_PROPERTY_VALUE v;
        memset(&v, 0, sizeof(v));
        note("documented: E_INVALIDARG for an unknown property id");
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob5::SetProperty",
             "PropertyId 99",
             IBackgroundCopyJob5_SetProperty(job5, (BITS_JOB_PROPERTY_ID)99, v));
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob5::SetProperty",
             "PropertyId -1",
             IBackgroundCopyJob5_SetProperty(job5, (BITS_JOB_PROPERTY_ID)-1, v));
        JDOC(job,
             E_INVALIDARG,
             "IBackgroundCopyJob5::GetProperty",
             "PropertyId 99",
             IBackgroundCopyJob5_GetProperty(job5, (BITS_JOB_PROPERTY_ID)99, &v));
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyJob5::GetProperty",
              "pPropertyValue NULL",
              IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, NULL));
    }

    /* IBackgroundCopyJobHttpOptions (header injection: test_http). */
    {
        IBackgroundCopyJobHttpOptions *http = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);
        BG_CERT_STORE_LOCATION loc;
        byte hash[20] = {0}, *ph = NULL;
        ULONG flags;
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyJobHttpOptions::GetCustomHeaders",
              "pRequestHeaders NULL",
              IBackgroundCopyJobHttpOptions_GetCustomHeaders(http, NULL));
        note("documented: BG_E_STRING_TOO_LONG past 16 KB of headers");
        JDOC(job,
             BG_E_STRING_TOO_LONG,
             "IBackgroundCopyJobHttpOptions::SetCustomHeaders",
             "100,000 characters",
             IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, long_str));
        note("documented: E_NOTIMPL \"The flag value is not supported\"");
        JDOC(job,
             E_NOTIMPL,
             "IBackgroundCopyJobHttpOptions::SetSecurityFlags",
             "0x8000 (unknown bit)",
             IBackgroundCopyJobHttpOptions_SetSecurityFlags(http, 0x8000));
        JDOC(job,
             E_NOTIMPL,
             "IBackgroundCopyJobHttpOptions::SetSecurityFlags",
             "0xFFFFFFFF",
             IBackgroundCopyJobHttpOptions_SetSecurityFlags(http, 0xffffffffu));
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyJobHttpOptions::GetSecurityFlags",
              "pFlags NULL",
              IBackgroundCopyJobHttpOptions_GetSecurityFlags(http, NULL));
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyJobHttpOptions::GetClientCertificate",
              "pStoreLocation NULL",
              IBackgroundCopyJobHttpOptions_GetClientCertificate(http, NULL, &s, &ph, &s2));
        note("client certificates are not implemented (honest E_NOTIMPL)");
        JDOC(job,
             E_NOTIMPL,
             "IBackgroundCopyJobHttpOptions::SetClientCertificateByID",
             "any",
             IBackgroundCopyJobHttpOptions_SetClientCertificateByID(
                 http, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY", hash));
        note("client certificates are not implemented (honest E_NOTIMPL)");
        JDOC(job,
             E_NOTIMPL,
             "IBackgroundCopyJobHttpOptions::SetClientCertificateByName",
             "any",
             IBackgroundCopyJobHttpOptions_SetClientCertificateByName(
                 http, BG_CERT_STORE_LOCATION_CURRENT_USER, L"MY", L"x"));
        note("client certificates are not implemented (honest E_NOTIMPL)");
        JDOC(job,
             E_NOTIMPL,
             "IBackgroundCopyJobHttpOptions::RemoveClientCertificate",
             "none set",
             IBackgroundCopyJobHttpOptions_RemoveClientCertificate(http));
        note("client certificates are not implemented (honest E_NOTIMPL)");
        JDOC(job,
             E_NOTIMPL,
             "IBackgroundCopyJobHttpOptions::GetClientCertificate",
             "none set",
             IBackgroundCopyJobHttpOptions_GetClientCertificate(http, &loc, &s, &ph, &s2));
        (void)flags;
        IBackgroundCopyJobHttpOptions_Release(http);
    }

    /* Still the one file, suspended, untouched. */
    assert_int_equal(file_count(job), 1);
    assert_int_equal(tu_state(job), BG_JOB_STATE_SUSPENDED);
    assert_hr(S_OK, IBackgroundCopyJob_GetNotifyInterface(job, &unk));
    assert_null(unk);
    IBackgroundCopyJob5_Release(job5);
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
    end_test();
}

/* --- states ------------------------------------------------------------------- */

/* Every call that changes a job, on a job in a final state. */
static void changes_refused(IBackgroundCopyJob *job, const char *when)
{
    IBackgroundCopyJob5 *job5 = tu_qi(job, &IID_IBackgroundCopyJob5);
    IBackgroundCopyJobHttpOptions *http = tu_qi(job, &IID_IBackgroundCopyJobHttpOptions);
    BITS_JOB_PROPERTY_VALUE v;
    BG_FILE_RANGE range = {0, 10};
    BG_FILE_INFO info = {src, dest};
    char what[96];

#define FINAL(method, call)                                                            \
    do {                                                                               \
        note("documented: \"The state of the job cannot be BG_JOB_STATE_CANCELLED or " \
             "BG_JOB_STATE_ACKNOWLEDGED\"");                                           \
        JDOC(job, BG_E_INVALID_STATE, method, what, call);                             \
    } while (0)
    snprintf(what, sizeof(what), "job %s", when);
    FINAL("IBackgroundCopyJob::AddFile", IBackgroundCopyJob_AddFile(job, src, dest));
    FINAL("IBackgroundCopyJob::AddFileSet", IBackgroundCopyJob_AddFileSet(job, 1, &info));
    FINAL("IBackgroundCopyJob::Suspend", IBackgroundCopyJob_Suspend(job));
    FINAL("IBackgroundCopyJob::Resume", IBackgroundCopyJob_Resume(job));
    FINAL("IBackgroundCopyJob::Cancel", IBackgroundCopyJob_Cancel(job));
    FINAL("IBackgroundCopyJob::Complete", IBackgroundCopyJob_Complete(job));
    FINAL("IBackgroundCopyJob::SetDisplayName", IBackgroundCopyJob_SetDisplayName(job, L"x"));
    FINAL("IBackgroundCopyJob::SetDescription", IBackgroundCopyJob_SetDescription(job, L"x"));
    FINAL("IBackgroundCopyJob::SetPriority", IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_HIGH));
    FINAL("IBackgroundCopyJob::SetNotifyFlags", IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_ERROR));
    FINAL("IBackgroundCopyJob::SetNotifyInterface", IBackgroundCopyJob_SetNotifyInterface(job, NULL));
    FINAL("IBackgroundCopyJob::SetMinimumRetryDelay", IBackgroundCopyJob_SetMinimumRetryDelay(job, 60));
    FINAL("IBackgroundCopyJob::SetNoProgressTimeout", IBackgroundCopyJob_SetNoProgressTimeout(job, 60));
    FINAL("IBackgroundCopyJob::SetProxySettings",
          IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL));
    FINAL("IBackgroundCopyJob::TakeOwnership", IBackgroundCopyJob_TakeOwnership(job));
    FINAL("IBackgroundCopyJob2::SetNotifyCmdLine", IBackgroundCopyJob5_SetNotifyCmdLine(job5, NULL, NULL));
    FINAL("IBackgroundCopyJob3::ReplaceRemotePrefix",
          IBackgroundCopyJob5_ReplaceRemotePrefix(job5, L"C:", L"D:"));
    FINAL("IBackgroundCopyJob3::AddFileWithRanges",
          IBackgroundCopyJob5_AddFileWithRanges(job5, src, dest, 1, &range));
    FINAL("IBackgroundCopyJob4::SetPeerCachingFlags", IBackgroundCopyJob5_SetPeerCachingFlags(job5, 0));
    FINAL("IBackgroundCopyJob4::SetMaximumDownloadTime", IBackgroundCopyJob5_SetMaximumDownloadTime(job5, 0));
    FINAL("IBackgroundCopyJob3::SetFileACLFlags", IBackgroundCopyJob5_SetFileACLFlags(job5, 0));
    v.Enable = TRUE;
    FINAL("IBackgroundCopyJob5::SetProperty",
          IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, v));
    FINAL("IBackgroundCopyJobHttpOptions::SetCustomHeaders",
          IBackgroundCopyJobHttpOptions_SetCustomHeaders(http, L"X-A: 1"));
    FINAL("IBackgroundCopyJobHttpOptions::SetSecurityFlags",
          IBackgroundCopyJobHttpOptions_SetSecurityFlags(http, 0));
#undef FINAL
    {
        IEnumBackgroundCopyFiles *e = NULL;
        IBackgroundCopyFile *file = NULL;
        IBackgroundCopyFile2 *file2;
        ULONG got = 0;
        if (SUCCEEDED(IBackgroundCopyJob_EnumFiles(job, &e)) &&
            IEnumBackgroundCopyFiles_Next(e, 1, &file, &got) == S_OK) {
            file2 = tu_qi(file, &IID_IBackgroundCopyFile2);
            note("documented (SetRemoteName): BG_E_INVALID_STATE for a cancelled or acknowledged job");
            JDOC(job,
                 BG_E_INVALID_STATE,
                 "IBackgroundCopyFile2::SetRemoteName",
                 what,
                 IBackgroundCopyFile2_SetRemoteName(file2, src2));
            IBackgroundCopyFile2_Release(file2);
            IBackgroundCopyFile_Release(file);
        }
        if (e)
            IEnumBackgroundCopyFiles_Release(e);
    }
    IBackgroundCopyJobHttpOptions_Release(http);
    IBackgroundCopyJob5_Release(job5);
}

static void test_states(void **state)
{
    IBackgroundCopyJob *job;
    IBackgroundCopyError *err = NULL;

    (void)state;
    /* New, empty job. */
    job = new_job(L"empty");
    note("documented: BG_E_EMPTY \"There are no files to transfer\"");
    JDOC(job, BG_E_EMPTY, "IBackgroundCopyJob::Resume", "job with no files", IBackgroundCopyJob_Resume(job));
    note("documented: BG_E_ERROR_INFORMATION_UNAVAILABLE unless in ERROR or TRANSIENT_ERROR");
    JDOC(job,
         BG_E_ERROR_INFORMATION_UNAVAILABLE,
         "IBackgroundCopyJob::GetError",
         "SUSPENDED job",
         IBackgroundCopyJob_GetError(job, &err));
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);

    /* SUSPENDED with a file never transferred: Complete keeps nothing. */
    job = job_with_file(L"never resumed");
    note("documented: BG_S_PARTIAL_COMPLETE, files not transferred are deleted");
    DOC(BG_S_PARTIAL_COMPLETE,
        "IBackgroundCopyJob::Complete",
        "SUSPENDED job, nothing transferred",
        IBackgroundCopyJob_Complete(job));
    assert_false(tu_exists(dest));
    assert_int_equal(tu_count_temp_files(tu_dir()), 0);
    IBackgroundCopyJob_Release(job);

    /* TRANSFERRED: adding files and ranges is refused until Complete. */
    job = job_in_state(BG_JOB_STATE_TRANSFERRED);
    JDOC(job,
         BG_E_ERROR_INFORMATION_UNAVAILABLE,
         "IBackgroundCopyJob::GetError",
         "TRANSFERRED job",
         IBackgroundCopyJob_GetError(job, &err));
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    DeleteFileW(dest);
    changes_refused(job, "ACKNOWLEDGED (after Complete)");
    IBackgroundCopyJob_Release(job);

    /* ERROR. */
    job = job_in_state(BG_JOB_STATE_ERROR);
    JDOC(job, S_OK, "IBackgroundCopyJob::GetError", "ERROR job", IBackgroundCopyJob_GetError(job, &err));
    if (err) {
        IBackgroundCopyFile *file = NULL;
        BG_ERROR_CONTEXT ctx;
        HRESULT code;
        LPWSTR s = NULL;
        CONV(E_POINTER,
             "IBackgroundCopyError::GetError",
             "pContext NULL",
             IBackgroundCopyError_GetError(err, NULL, &code));
        CONV(E_POINTER,
             "IBackgroundCopyError::GetError",
             "pCode NULL",
             IBackgroundCopyError_GetError(err, &ctx, NULL));
        CONV(
            E_POINTER, "IBackgroundCopyError::GetFile", "pVal NULL", IBackgroundCopyError_GetFile(err, NULL));
        CONV(E_POINTER,
             "IBackgroundCopyError::GetProtocol",
             "pProtocol NULL",
             IBackgroundCopyError_GetProtocol(err, NULL));
        CONV(E_POINTER,
             "IBackgroundCopyError::GetErrorDescription",
             "pErrorDescription NULL",
             IBackgroundCopyError_GetErrorDescription(err, 0x409, NULL));
        note("documented: E_INVALIDARG \"The LanguageId parameter cannot be 0\"");
        DOC(E_INVALIDARG,
            "IBackgroundCopyError::GetErrorDescription",
            "LanguageId 0",
            IBackgroundCopyError_GetErrorDescription(err, 0, &s));
        CoTaskMemFree(s);
        s = NULL;
        CONV(E_POINTER,
             "IBackgroundCopyError::GetErrorContextDescription",
             "pContextDescription NULL",
             IBackgroundCopyError_GetErrorContextDescription(err, 0x409, NULL));
        note("documented: E_INVALIDARG \"The LanguageId parameter cannot be 0\"");
        DOC(E_INVALIDARG,
            "IBackgroundCopyError::GetErrorContextDescription",
            "LanguageId 0",
            IBackgroundCopyError_GetErrorContextDescription(err, 0, &s));
        CoTaskMemFree(s);
        CONV(E_POINTER,
             "IBackgroundCopyError::QueryInterface",
             "ppv NULL",
             IBackgroundCopyError_QueryInterface(err, &IID_IUnknown, NULL));
        CONV(E_NOINTERFACE,
             "IBackgroundCopyError::QueryInterface",
             "IID_IBackgroundCopyJob",
             IBackgroundCopyError_QueryInterface(err, &IID_IBackgroundCopyJob, (void **)&file));
        IBackgroundCopyError_Release(err);
    }
    note("documented: the ERROR state is left by Resume, Suspend, Cancel or Complete");
    JDOC(job,
         S_OK,
         "IBackgroundCopyJob::SetDisplayName",
         "ERROR job",
         IBackgroundCopyJob_SetDisplayName(job, L"still error"));
    JDOC(job,
         BG_S_PARTIAL_COMPLETE,
         "IBackgroundCopyJob::Complete",
         "ERROR job, nothing transferred",
         IBackgroundCopyJob_Complete(job));
    changes_refused(job, "ACKNOWLEDGED (Complete of an ERROR job)");
    IBackgroundCopyJob_Release(job);

    /* TRANSIENT_ERROR: a server that refuses the connection (nothing listens
     * on loopback port 1); the error is there to read, and every setter
     * still works (not a final state). */
    job = new_job(L"transient");
    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1:1/x.bin", dest));
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    if (tu_wait_settled(job, TU_WAIT_MS) == BG_JOB_STATE_TRANSIENT_ERROR) {
        note("documented: the error is available in TRANSIENT_ERROR");
        JDOC(job,
             S_OK,
             "IBackgroundCopyJob::GetError",
             "TRANSIENT_ERROR job",
             IBackgroundCopyJob_GetError(job, &err));
        if (err) {
            LPWSTR s = NULL;
            DOC(S_OK,
                "IBackgroundCopyError::GetProtocol",
                "TRANSIENT_ERROR job (http)",
                IBackgroundCopyError_GetProtocol(err, &s));
            CoTaskMemFree(s);
            s = NULL;
            note("documented: E_INVALIDARG \"The LanguageId parameter cannot be 0\"");
            DOC(E_INVALIDARG,
                "IBackgroundCopyError::GetErrorDescription",
                "LanguageId 0, TRANSIENT_ERROR job",
                IBackgroundCopyError_GetErrorDescription(err, 0, &s));
            CoTaskMemFree(s);
            IBackgroundCopyError_Release(err);
            err = NULL;
        }
        note("documented: E_NOTIMPL for a priority outside BG_JOB_PRIORITY, in any state");
        JDOC(job,
             E_NOTIMPL,
             "IBackgroundCopyJob::SetPriority",
             "4, TRANSIENT_ERROR job",
             IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)4));
        JDOC(
            job, S_OK, "IBackgroundCopyJob::Suspend", "TRANSIENT_ERROR job", IBackgroundCopyJob_Suspend(job));
        note("documented: BG_S_PARTIAL_COMPLETE, nothing transferred is kept");
        JDOC(job,
             BG_S_PARTIAL_COMPLETE,
             "IBackgroundCopyJob::Complete",
             "suspended after TRANSIENT_ERROR",
             IBackgroundCopyJob_Complete(job));
        assert_false(tu_exists(dest));
    } else {
        print_message("loopback port 1 answered: no TRANSIENT_ERROR rows\n");
        IBackgroundCopyJob_Cancel(job);
    }
    IBackgroundCopyJob_Release(job);

    /* CANCELLED. */
    job = job_in_state(BG_JOB_STATE_CANCELLED);
    changes_refused(job, "CANCELLED");
    JDOC(job,
         BG_E_ERROR_INFORMATION_UNAVAILABLE,
         "IBackgroundCopyJob::GetError",
         "CANCELLED job",
         IBackgroundCopyJob_GetError(job, &err));
    IBackgroundCopyJob_Release(job);
    end_test();
}

/* --- files and enumerators ---------------------------------------------------- */

static void test_files_and_enums(void **state)
{
    IBackgroundCopyJob *job = job_with_file(L"files");
    IEnumBackgroundCopyFiles *files = NULL, *clone = NULL;
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyFile *file = NULL, *got[2] = {NULL, NULL};
    IBackgroundCopyFile5 *file5;
    IBackgroundCopyJob *jgot[2] = {NULL, NULL};
    BITS_FILE_PROPERTY_VALUE fv;
    LPWSTR s = NULL;
    ULONG n;
    void *p = NULL;

    (void)state;
    file = tu_job_file(job, 0);
    file5 = tu_qi(file, &IID_IBackgroundCopyFile5);
    CONV(E_POINTER,
         "IBackgroundCopyFile::QueryInterface",
         "ppv NULL",
         IBackgroundCopyFile_QueryInterface(file, &IID_IUnknown, NULL));
    note("IBackgroundCopyFile6 (on-demand ranges) is not implemented");
    CONV(E_NOINTERFACE,
         "IBackgroundCopyFile::QueryInterface",
         "IID_IBackgroundCopyFile6",
         IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile6, &p));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyFile::GetRemoteName",
          "pVal NULL",
          IBackgroundCopyFile_GetRemoteName(file, NULL));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyFile::GetLocalName",
          "pVal NULL",
          IBackgroundCopyFile_GetLocalName(file, NULL));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyFile::GetProgress",
          "pVal NULL",
          IBackgroundCopyFile_GetProgress(file, NULL));
    {
        DWORD count;
        BG_FILE_RANGE *ranges;
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyFile2::GetFileRanges",
              "RangeCount NULL",
              IBackgroundCopyFile5_GetFileRanges(file5, NULL, &ranges));
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyFile2::GetFileRanges",
              "Ranges NULL",
              IBackgroundCopyFile5_GetFileRanges(file5, &count, NULL));
    }
    note("documented: E_INVALIDARG for a remote name that is not valid or over 2,200 characters");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile2::SetRemoteName",
         "NULL",
         IBackgroundCopyFile5_SetRemoteName(file5, NULL));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile2::SetRemoteName",
         "\"\"",
         IBackgroundCopyFile5_SetRemoteName(file5, L""));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile2::SetRemoteName",
         "ftp://127.0.0.1/x",
         IBackgroundCopyFile5_SetRemoteName(file5, L"ftp://127.0.0.1/x"));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile2::SetRemoteName",
         "relative \"source.bin\"",
         IBackgroundCopyFile5_SetRemoteName(file5, L"source.bin"));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile2::SetRemoteName",
         "device \"\\\\\\\\.\\\\PhysicalDrive0\"",
         IBackgroundCopyFile5_SetRemoteName(file5, L"\\\\.\\PhysicalDrive0"));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile2::SetRemoteName",
         "URL of 2,201 characters",
         IBackgroundCopyFile5_SetRemoteName(file5, url_2201));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile2::SetRemoteName",
         "URL of 100,017 characters",
         IBackgroundCopyFile5_SetRemoteName(file5, long_url));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyFile3::GetTemporaryName",
          "pFilename NULL",
          IBackgroundCopyFile5_GetTemporaryName(file5, NULL));
    note("no temporary file before the transfer started");
    JUNDOC(job,
           "IBackgroundCopyFile3::GetTemporaryName",
           "before the transfer",
           IBackgroundCopyFile5_GetTemporaryName(file5, &s));
    note("documented: BG_E_INVALID_STATE until the file is transferred");
    JDOC(job,
         BG_E_INVALID_STATE,
         "IBackgroundCopyFile3::SetValidationState",
         "file not transferred",
         IBackgroundCopyFile5_SetValidationState(file5, TRUE));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyFile3::GetValidationState",
          "pState NULL",
          IBackgroundCopyFile5_GetValidationState(file5, NULL));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyFile3::IsDownloadedFromPeer",
          "pVal NULL",
          IBackgroundCopyFile5_IsDownloadedFromPeer(file5, NULL));
    {
        UINT64 a;
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyFile4::GetPeerDownloadStats",
              "pFromOrigin NULL",
              IBackgroundCopyFile5_GetPeerDownloadStats(file5, NULL, &a));
        JCONV(job,
              E_POINTER,
              "IBackgroundCopyFile4::GetPeerDownloadStats",
              "pFromPeers NULL",
              IBackgroundCopyFile5_GetPeerDownloadStats(file5, &a, NULL));
    }
    fv.String = NULL;
    note("documented: E_INVALIDARG for an unknown property id");
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile5::GetProperty",
         "PropertyId 2",
         IBackgroundCopyFile5_GetProperty(file5, (BITS_FILE_PROPERTY_ID)2, &fv));
    JDOC(job,
         E_INVALIDARG,
         "IBackgroundCopyFile5::SetProperty",
         "PropertyId 2",
         IBackgroundCopyFile5_SetProperty(file5, (BITS_FILE_PROPERTY_ID)2, fv));
    JCONV(job,
          E_POINTER,
          "IBackgroundCopyFile5::GetProperty",
          "pPropertyValue NULL",
          IBackgroundCopyFile5_GetProperty(file5, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, NULL));
    note("the response headers are read-only here (honest E_NOTIMPL)");
    JDOC(job,
         E_NOTIMPL,
         "IBackgroundCopyFile5::SetProperty",
         "HTTP_RESPONSE_HEADERS",
         IBackgroundCopyFile5_SetProperty(file5, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, fv));

    /* IEnumBackgroundCopyFiles. */
    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(job, &files));
    CONV(E_POINTER,
         "IEnumBackgroundCopyFiles::QueryInterface",
         "ppv NULL",
         IEnumBackgroundCopyFiles_QueryInterface(files, &IID_IUnknown, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyFiles::GetCount",
         "puCount NULL",
         IEnumBackgroundCopyFiles_GetCount(files, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyFiles::Clone",
         "ppenum NULL",
         IEnumBackgroundCopyFiles_Clone(files, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyFiles::Next",
         "rgelt NULL",
         IEnumBackgroundCopyFiles_Next(files, 1, NULL, &n));
    note("IEnumXXXX convention: pceltFetched may be NULL only when celt is 1");
    DOC(E_INVALIDARG,
        "IEnumBackgroundCopyFiles::Next",
        "celt 2, pceltFetched NULL",
        IEnumBackgroundCopyFiles_Next(files, 2, got, NULL));
    note("IEnumXXXX convention: S_FALSE when fewer than celt are left");
    DOC(S_FALSE,
        "IEnumBackgroundCopyFiles::Skip",
        "celt 0xFFFFFFFF",
        IEnumBackgroundCopyFiles_Skip(files, 0xffffffffu));
    DOC(S_FALSE,
        "IEnumBackgroundCopyFiles::Next",
        "past the end",
        IEnumBackgroundCopyFiles_Next(files, 1, got, &n));
    assert_int_equal(n, 0);
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Reset(files));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Clone(files, &clone));
    IEnumBackgroundCopyFiles_Release(clone);
    IEnumBackgroundCopyFiles_Release(files);

    /* IEnumBackgroundCopyJobs. */
    assert_hr(S_OK, IBackgroundCopyManager_EnumJobs(mgr, 0, &jobs));
    CONV(E_POINTER,
         "IEnumBackgroundCopyJobs::QueryInterface",
         "ppv NULL",
         IEnumBackgroundCopyJobs_QueryInterface(jobs, &IID_IUnknown, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyJobs::GetCount",
         "puCount NULL",
         IEnumBackgroundCopyJobs_GetCount(jobs, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyJobs::Clone",
         "ppenum NULL",
         IEnumBackgroundCopyJobs_Clone(jobs, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyJobs::Next",
         "rgelt NULL",
         IEnumBackgroundCopyJobs_Next(jobs, 1, NULL, &n));
    note("IEnumXXXX convention: pceltFetched may be NULL only when celt is 1");
    DOC(E_INVALIDARG,
        "IEnumBackgroundCopyJobs::Next",
        "celt 2, pceltFetched NULL",
        IEnumBackgroundCopyJobs_Next(jobs, 2, jgot, NULL));
    DOC(S_FALSE,
        "IEnumBackgroundCopyJobs::Skip",
        "celt 0xFFFFFFFF",
        IEnumBackgroundCopyJobs_Skip(jobs, 0xffffffffu));
    DOC(S_FALSE,
        "IEnumBackgroundCopyJobs::Next",
        "past the end",
        IEnumBackgroundCopyJobs_Next(jobs, 1, jgot, &n));
    IEnumBackgroundCopyJobs_Release(jobs);

    CoTaskMemFree(s);
    IBackgroundCopyFile5_Release(file5);
    IBackgroundCopyFile_Release(file);
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
    end_test();
}

/* --- Delivery Optimization ---------------------------------------------------- */

static HRESULT do_set(IDODownload *d, DODownloadProperty id, VARTYPE vt, const WCHAR *s, ULONG n)
{
    VARIANT v;
    HRESULT hr;

    VariantInit(&v);
    V_VT(&v) = vt;
    switch (vt) {
    case VT_BSTR:
        V_BSTR(&v) = s ? SysAllocString(s) : NULL;
        break;
    case VT_BOOL:
        V_BOOL(&v) = n ? VARIANT_TRUE : VARIANT_FALSE;
        break;
    case VT_UI8:
        V_UI8(&v) = n;
        break;
    case VT_R8:
        V_R8(&v) = n;
        break;
    case VT_UNKNOWN:
        V_UNKNOWN(&v) = (IUnknown *)s;
        break;
    default:
        V_UI4(&v) = n;
    }
    hr = IDODownload_SetProperty(d, id, &v);
    if (vt == VT_BSTR)
        VariantClear(&v);
    return hr;
}

static IDODownload *new_download(void)
{
    IDODownload *d = NULL;

    assert_hr(S_OK, IDOManager_CreateDownload(domgr, &d));
    return d;
}

/* A download to a folder, from SetProperty to Finalize: the first error
 * (S_OK if the folder took a file, which must not happen). */
static HRESULT do_to_folder(IDODownload *d)
{
    DO_DOWNLOAD_STATUS st;
    ULONGLONG deadline;
    HRESULT hr;

    if (FAILED(hr = do_set(d, DODownloadProperty_LocalPath, VT_BSTR, tu_dir(), 0)))
        return hr;
    if (FAILED(hr = IDODownload_Start(d, NULL)))
        return hr;
    deadline = tu_ms() + TU_WAIT_MS;
    do {
        if (FAILED(hr = IDODownload_GetStatus(d, &st)))
            return hr;
        if (FAILED(st.Error))
            return st.Error;
        if (st.State == DODownloadState_Transferred)
            break;
        Sleep(1);
    } while (tu_ms() < deadline);
    if (st.State != DODownloadState_Transferred)
        return S_OK; /* neither: the row fails */
    return IDODownload_Finalize(d);
}

static void test_do(void **state)
{
    IDODownload *d = new_download();
    IEnumUnknown *e = NULL;
    WCHAR path[16][MAX_PATH * 2], local[MAX_PATH];
    DO_DOWNLOAD_ENUM_CATEGORY cat;
    DO_DOWNLOAD_STATUS st;
    VARIANT v;
    void *p = NULL;
    struct {
        const char *input;
        const WCHAR *value;
        HRESULT doc;
    } bad_paths[24];
    int n = 0, i;

    (void)state;
    tu_path(local, MAX_PATH, L"do.bin");
    CONV(E_POINTER, "IDOManager::CreateDownload", "download NULL", IDOManager_CreateDownload(domgr, NULL));
    CONV(E_POINTER, "IDOManager::EnumDownloads", "ppEnum NULL", IDOManager_EnumDownloads(domgr, NULL, NULL));
    cat.Property = DODownloadProperty_NoProgressTimeoutSeconds;
    cat.Value = L"x";
    note("only string properties can be a category");
    UNDOC("IDOManager::EnumDownloads",
          "category on NoProgressTimeoutSeconds",
          IDOManager_EnumDownloads(domgr, &cat, &e));
    cat.Property = (DODownloadProperty)99;
    UNDOC("IDOManager::EnumDownloads", "category on property 99", IDOManager_EnumDownloads(domgr, &cat, &e));
    cat.Property = DODownloadProperty_DisplayName;
    cat.Value = NULL;
    UNDOC("IDOManager::EnumDownloads", "category Value NULL", IDOManager_EnumDownloads(domgr, &cat, &e));
    cat.Value = L"no download has this name";
    note("DO: DO_E_NO_DOWNLOADS when nothing matches");
    DOC(DO_E_NO_DOWNLOADS,
        "IDOManager::EnumDownloads",
        "category matching nothing",
        IDOManager_EnumDownloads(domgr, &cat, &e));
    CONV(E_POINTER,
         "IDOManager::QueryInterface",
         "ppv NULL",
         IDOManager_QueryInterface(domgr, &IID_IUnknown, NULL));

    CONV(E_POINTER,
         "IDODownload::QueryInterface",
         "ppv NULL",
         IDODownload_QueryInterface(d, &IID_IUnknown, NULL));
    CONV(E_NOINTERFACE,
         "IDODownload::QueryInterface",
         "IID_IBackgroundCopyJob",
         IDODownload_QueryInterface(d, &IID_IBackgroundCopyJob, &p));
    DCONV(d, E_POINTER, "IDODownload::GetStatus", "status NULL", IDODownload_GetStatus(d, NULL));
    DCONV(d,
          E_POINTER,
          "IDODownload::GetProperty",
          "propVal NULL",
          IDODownload_GetProperty(d, DODownloadProperty_Id, NULL));
    note("a NULL [in] pointer: E_INVALIDARG");
    DCONV(d,
          E_INVALIDARG,
          "IDODownload::SetProperty",
          "propVal NULL",
          IDODownload_SetProperty(d, DODownloadProperty_DisplayName, NULL));
    note("DO: DO_E_UNKNOWN_PROPERTY_ID");
    DDOC(d,
         DO_E_UNKNOWN_PROPERTY_ID,
         "IDODownload::GetProperty",
         "propId 30",
         IDODownload_GetProperty(d, (DODownloadProperty)30, &v));
    DDOC(d,
         DO_E_UNKNOWN_PROPERTY_ID,
         "IDODownload::GetProperty",
         "propId -1",
         IDODownload_GetProperty(d, (DODownloadProperty)-1, &v));
    DDOC(d,
         DO_E_UNKNOWN_PROPERTY_ID,
         "IDODownload::SetProperty",
         "propId 30",
         do_set(d, (DODownloadProperty)30, VT_UI4, NULL, 1));
    DDOC(d,
         DO_E_UNKNOWN_PROPERTY_ID,
         "IDODownload::SetProperty",
         "propId 0x7FFFFFFF",
         do_set(d, (DODownloadProperty)0x7fffffff, VT_UI4, NULL, 1));
    note("DO: DO_E_READ_ONLY_PROPERTY");
    DDOC(d,
         DO_E_READ_ONLY_PROPERTY,
         "IDODownload::SetProperty",
         "Id",
         do_set(d, DODownloadProperty_Id, VT_BSTR, L"{00000000-0000-0000-0000-000000000000}", 0));
    DDOC(d,
         DO_E_READ_ONLY_PROPERTY,
         "IDODownload::SetProperty",
         "HttpStatusCode",
         do_set(d, DODownloadProperty_HttpStatusCode, VT_UI4, NULL, 200));
    DDOC(d,
         DO_E_READ_ONLY_PROPERTY,
         "IDODownload::SetProperty",
         "HttpResponseHeaders",
         do_set(d, DODownloadProperty_HttpResponseHeaders, VT_BSTR, L"x", 0));
    note("DO: DO_E_WRITE_ONLY_PROPERTY");
    DDOC(d,
         DO_E_WRITE_ONLY_PROPERTY,
         "IDODownload::GetProperty",
         "SecurityFlags",
         IDODownload_GetProperty(d, DODownloadProperty_SecurityFlags, &v));
    DDOC(d,
         DO_E_WRITE_ONLY_PROPERTY,
         "IDODownload::GetProperty",
         "IntegrityCheckInfo",
         IDODownload_GetProperty(d, DODownloadProperty_IntegrityCheckInfo, &v));

    /* Wrong VARIANT types: every writable property. */
    {
        static const struct {
            DODownloadProperty id;
            VARTYPE wrong;
            const char *what;
        } wrong[] = {
            {DODownloadProperty_Uri, VT_UI4, "Uri as VT_UI4"},
            {DODownloadProperty_LocalPath, VT_BOOL, "LocalPath as VT_BOOL"},
            {DODownloadProperty_DisplayName, VT_UI4, "DisplayName as VT_UI4"},
            {DODownloadProperty_HttpCustomHeaders, VT_UI8, "HttpCustomHeaders as VT_UI8"},
            {DODownloadProperty_CostPolicy, VT_BSTR, "CostPolicy as VT_BSTR"},
            {DODownloadProperty_SecurityFlags, VT_R8, "SecurityFlags as VT_R8"},
            {DODownloadProperty_CallbackFreqPercent, VT_BOOL, "CallbackFreqPercent as VT_BOOL"},
            {DODownloadProperty_CallbackFreqSeconds, VT_BSTR, "CallbackFreqSeconds as VT_BSTR"},
            {DODownloadProperty_NoProgressTimeoutSeconds, VT_BOOL, "NoProgressTimeoutSeconds as VT_BOOL"},
            {DODownloadProperty_ForegroundPriority, VT_UI4, "ForegroundPriority as VT_UI4"},
            {DODownloadProperty_BlockingMode, VT_BSTR, "BlockingMode as VT_BSTR"},
            {DODownloadProperty_CallbackInterface, VT_BSTR, "CallbackInterface as VT_BSTR"},
            {DODownloadProperty_StreamInterface, VT_UI4, "StreamInterface as VT_UI4"},
            {DODownloadProperty_CorrelationVector, VT_UI4, "CorrelationVector as VT_UI4"},
            {DODownloadProperty_IntegrityCheckMandatory, VT_BSTR, "IntegrityCheckMandatory as VT_BSTR"},
            {DODownloadProperty_TotalSizeBytes, VT_BSTR, "TotalSizeBytes as VT_BSTR"},
            {DODownloadProperty_DisallowOnCellular, VT_UI4, "DisallowOnCellular as VT_UI4"},
            {DODownloadProperty_HttpAllowSecureToNonSecureRedirect,
             VT_R8,
             "HttpAllowSecureToNonSecureRedirect as VT_R8"},
            {DODownloadProperty_NonVolatile, VT_BSTR, "NonVolatile as VT_BSTR"},
        };
        size_t k;
        for (k = 0; k < ARRAYSIZE(wrong); k++) {
            note(k == 0 ? "a VARIANT of the wrong type: E_INVALIDARG" : NULL);
            DDOC(d,
                 E_INVALIDARG,
                 "IDODownload::SetProperty",
                 wrong[k].what,
                 do_set(d, wrong[k].id, wrong[k].wrong, wrong[k].wrong == VT_BSTR ? L"1" : NULL, 1));
        }
        V_VT(&v) = VT_EMPTY;
        DDOC(d,
             E_INVALIDARG,
             "IDODownload::SetProperty",
             "Uri as VT_EMPTY",
             IDODownload_SetProperty(d, DODownloadProperty_Uri, &v));
        V_VT(&v) = VT_NULL;
        DDOC(d,
             E_INVALIDARG,
             "IDODownload::SetProperty",
             "DisplayName as VT_NULL",
             IDODownload_SetProperty(d, DODownloadProperty_DisplayName, &v));
        DDOC(d,
             E_INVALIDARG,
             "IDODownload::SetProperty",
             "Uri as VT_BSTR NULL",
             do_set(d, DODownloadProperty_Uri, VT_BSTR, NULL, 0));
    }

    /* Out-of-range numbers. */
    note("documented minimum: 60 seconds");
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "NoProgressTimeoutSeconds 59",
         do_set(d, DODownloadProperty_NoProgressTimeoutSeconds, VT_UI4, NULL, 59));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "CostPolicy 6 (not in DODownloadCostPolicy)",
         do_set(d, DODownloadProperty_CostPolicy, VT_UI4, NULL, 6));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "CostPolicy 0xFFFFFFFF",
         do_set(d, DODownloadProperty_CostPolicy, VT_UI4, NULL, 0xffffffffu));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "CallbackFreqPercent 101",
         do_set(d, DODownloadProperty_CallbackFreqPercent, VT_UI4, NULL, 101));
    note("an object that is not an IDODownloadStatusCallback");
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "CallbackInterface: the manager object",
         do_set(d, DODownloadProperty_CallbackInterface, VT_UNKNOWN, (const WCHAR *)domgr, 0));
    note("an object that is not an IStream");
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "StreamInterface: the manager object",
         do_set(d, DODownloadProperty_StreamInterface, VT_UNKNOWN, (const WCHAR *)domgr, 0));

    /* Uri. */
    note("an unsupported scheme: E_INVALIDARG");
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "Uri ftp://127.0.0.1/x",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, L"ftp://127.0.0.1/x", 0));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "Uri gopher://127.0.0.1/x",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, L"gopher://127.0.0.1/x", 0));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "Uri javascript:x",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, L"javascript:x", 0));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "Uri \"\"",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, L"", 0));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "Uri relative \"x.bin\"",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, L"x.bin", 0));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "Uri \"\\\\\\\\.\\\\PhysicalDrive0\"",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, L"\\\\.\\PhysicalDrive0", 0));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "Uri of 100,017 characters",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, long_url, 0));
    DDOC(d,
         E_INVALIDARG,
         "IDODownload::SetProperty",
         "Uri of 2,201 characters",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, url_2201, 0));

    /* LocalPath. */
#define BADP(text, val, code) \
    (bad_paths[n].input = (text), bad_paths[n].value = (val), bad_paths[n].doc = (code), n++)
    BADP("\"\"", L"", E_INVALIDARG);
    BADP("relative \"x.bin\"", L"x.bin", HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("relative \"..\\\\x.bin\"", L"..\\x.bin", HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("device \"CON\"", L"CON", HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("device \"NUL\"", L"NUL", HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("device \"\\\\\\\\.\\\\PhysicalDrive0\"",
         L"\\\\.\\PhysicalDrive0",
         HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("device \"<dir>\\\\CON\"",
         tu_path(path[0], MAX_PATH * 2, L"CON"),
         HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("device \"<dir>\\\\aux.txt\"",
         tu_path(path[1], MAX_PATH * 2, L"aux.txt"),
         HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("stream \"<dir>\\\\file.txt:stream\"",
         tu_path(path[2], MAX_PATH * 2, L"file.txt:stream"),
         HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("wildcard \"<dir>\\\\*.bin\"",
         tu_path(path[3], MAX_PATH * 2, L"*.bin"),
         HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("\"\\\\\\\\?\\\\<dir>\\\\x.bin\"",
         (swprintf(path[4], MAX_PATH * 2, L"\\\\?\\%ls", local), path[4]),
         HRESULT_FROM_WIN32(ERROR_INVALID_NAME));
    BADP("100,000 characters", long_path, HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE));
#undef BADP
    for (i = 0; i < n; i++) {
        char what[160];
        snprintf(what, sizeof(what), "LocalPath %s", bad_paths[i].input);
        note(i == 1       ? "DO reports Win32 errors as HRESULT_FROM_WIN32: CreateFile's ERROR_INVALID_NAME"
             : i == n - 1 ? "ERROR_FILENAME_EXCED_RANGE, as CreateFile says"
                          : NULL);
        DDOC(d,
             bad_paths[i].doc,
             "IDODownload::SetProperty",
             what,
             do_set(d, DODownloadProperty_LocalPath, VT_BSTR, bad_paths[i].value, 0));
    }
    /* A path DO cannot write to is found at Start (DO creates missing folders). */
    {
        IDODownload *x = new_download();
        assert_hr(S_OK, do_set(x, DODownloadProperty_Uri, VT_BSTR, src_url, 0));
        note("a folder as LocalPath: refused as a name, at Start, by the transfer or at Finalize");
        rec("IDODownload (SetProperty, Start, GetStatus, Finalize)",
            "LocalPath is the test folder itself: the first error",
            K_UNDOC,
            E_FAIL,
            E_FAIL,
            do_to_folder(x),
            -1);
        assert_true(GetFileAttributesW(tu_dir()) & FILE_ATTRIBUTE_DIRECTORY);
        IDODownload_Abort(x);
        IDODownload_Release(x);
        x = new_download();
        assert_hr(S_OK, do_set(x, DODownloadProperty_Uri, VT_BSTR, src_url, 0));
        do_set(x, DODownloadProperty_LocalPath, VT_BSTR, missing_drive, 0);
        note("a drive that does not exist: the folder cannot be created");
        DUNDOC(x, "IDODownload::Start", "LocalPath on a missing drive", IDODownload_Start(x, NULL));
        IDODownload_Abort(x);
        IDODownload_Release(x);
    }

    /* Long strings. */
    {
        HRESULT hr = do_set(d, DODownloadProperty_DisplayName, VT_BSTR, long_str, 0);
        if (SUCCEEDED(hr)) {
            /* If accepted, it must round-trip whole. */
            VariantInit(&v);
            assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_DisplayName, &v));
            assert_int_equal(SysStringLen(V_BSTR(&v)), LONG_CHARS);
            VariantClear(&v);
            assert_hr(S_OK, do_set(d, DODownloadProperty_DisplayName, VT_BSTR, L"", 0));
        }
        note("no documented limit; accepted and read back whole");
        rec("IDODownload::SetProperty", "DisplayName of 100,000 characters", K_ACCEPT, S_OK, S_OK, hr, -1);
        hr = do_set(d, DODownloadProperty_HttpCustomHeaders, VT_BSTR, long_str, 0);
        if (SUCCEEDED(hr)) {
            VariantInit(&v);
            assert_hr(S_OK, IDODownload_GetProperty(d, DODownloadProperty_HttpCustomHeaders, &v));
            assert_int_equal(SysStringLen(V_BSTR(&v)), LONG_CHARS);
            VariantClear(&v);
            assert_hr(S_OK, do_set(d, DODownloadProperty_HttpCustomHeaders, VT_BSTR, L"", 0));
        }
        note("no documented limit (BITS's is 16 KB); accepted and read back whole. Header injection: "
             "test_http");
        rec("IDODownload::SetProperty",
            "HttpCustomHeaders of 100,000 characters (no CR or LF)",
            K_ACCEPT,
            S_OK,
            S_OK,
            hr,
            -1);
    }

    /* Start / Pause / Finalize on a new download. */
    note("DO: DO_E_DOWNLOAD_NO_URI");
    DDOC(d, DO_E_DOWNLOAD_NO_URI, "IDODownload::Start", "no Uri", IDODownload_Start(d, NULL));
    assert_hr(S_OK, do_set(d, DODownloadProperty_Uri, VT_BSTR, src_url, 0));
    note("DO: DO_E_FILE_DOWNLOADSINK_UNSPECIFIED");
    DDOC(d,
         DO_E_FILE_DOWNLOADSINK_UNSPECIFIED,
         "IDODownload::Start",
         "no LocalPath or stream",
         IDODownload_Start(d, NULL));
    assert_hr(S_OK, do_set(d, DODownloadProperty_LocalPath, VT_BSTR, local, 0));
    {
        struct {
            UINT count;
            DO_DOWNLOAD_RANGE r[2];
        } ranges = {2, {{0, 100}, {50, 100}}}, zero = {1, {{0, 0}, {0, 0}}};
        note("DO: DO_E_OVERLAPPING_RANGES");
        DDOC(d,
             DO_E_OVERLAPPING_RANGES,
             "IDODownload::Start",
             "overlapping ranges",
             IDODownload_Start(d, (const DO_DOWNLOAD_RANGES_INFO *)&ranges));
        DDOC(d,
             DO_E_INVALID_RANGE,
             "IDODownload::Start",
             "a range of length 0",
             IDODownload_Start(d, (const DO_DOWNLOAD_RANGES_INFO *)&zero));
    }
    note("DO: DO_E_INVALID_STATE for Pause or Finalize of a download never started");
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Pause", "Created", IDODownload_Pause(d));
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Finalize", "Created", IDODownload_Finalize(d));

    /* Transferred: run it (blocking) and try what is fixed once started. */
    assert_hr(S_OK, do_set(d, DODownloadProperty_BlockingMode, VT_BOOL, NULL, 1));
    assert_hr(S_OK, IDODownload_Start(d, NULL));
    assert_hr(S_OK, IDODownload_GetStatus(d, &st));
    assert_int_equal(st.State, DODownloadState_Transferred);
    note("the source and the sink are fixed once started: DO_E_INVALID_STATE");
    DDOC(d,
         DO_E_INVALID_STATE,
         "IDODownload::SetProperty",
         "Uri, Transferred",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, src_url, 0));
    DDOC(d,
         DO_E_INVALID_STATE,
         "IDODownload::SetProperty",
         "LocalPath, Transferred",
         do_set(d, DODownloadProperty_LocalPath, VT_BSTR, local, 0));

    /* Finalized: every call that changes it. */
    assert_hr(S_OK, IDODownload_Finalize(d));
    note("DO: DO_E_INVALID_STATE after Finalize");
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Start", "Finalized", IDODownload_Start(d, NULL));
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Pause", "Finalized", IDODownload_Pause(d));
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Finalize", "Finalized", IDODownload_Finalize(d));
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Abort", "Finalized", IDODownload_Abort(d));
    DDOC(d,
         DO_E_INVALID_STATE,
         "IDODownload::SetProperty",
         "DisplayName, Finalized",
         do_set(d, DODownloadProperty_DisplayName, VT_BSTR, L"late", 0));
    DDOC(d,
         DO_E_INVALID_STATE,
         "IDODownload::SetProperty",
         "NoProgressTimeoutSeconds, Finalized",
         do_set(d, DODownloadProperty_NoProgressTimeoutSeconds, VT_UI4, NULL, 600));
    assert_true(tu_check_pattern(local, SRC_SIZE, 3));
    IDODownload_Release(d);
    DeleteFileW(local);

    /* Aborted. */
    d = new_download();
    assert_hr(S_OK, IDODownload_Abort(d));
    note("DO: DO_E_INVALID_STATE after Abort");
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Start", "Aborted", IDODownload_Start(d, NULL));
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Pause", "Aborted", IDODownload_Pause(d));
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Finalize", "Aborted", IDODownload_Finalize(d));
    DDOC(d, DO_E_INVALID_STATE, "IDODownload::Abort", "Aborted", IDODownload_Abort(d));
    DDOC(d,
         DO_E_INVALID_STATE,
         "IDODownload::SetProperty",
         "Uri, Aborted",
         do_set(d, DODownloadProperty_Uri, VT_BSTR, src_url, 0));
    IDODownload_Release(d);

    /* IEnumUnknown of downloads. */
    d = new_download();
    if (SUCCEEDED(IDOManager_EnumDownloads(domgr, NULL, &e))) {
        IUnknown *items[2] = {NULL, NULL};
        ULONG got;
        CONV(E_POINTER, "IEnumUnknown (downloads)::Next", "rgelt NULL", IEnumUnknown_Next(e, 1, NULL, &got));
        note("IEnumXXXX convention: pceltFetched may be NULL only when celt is 1");
        DOC(E_INVALIDARG,
            "IEnumUnknown (downloads)::Next",
            "celt 2, pceltFetched NULL",
            IEnumUnknown_Next(e, 2, items, NULL));
        CONV(E_POINTER, "IEnumUnknown (downloads)::Clone", "ppenum NULL", IEnumUnknown_Clone(e, NULL));
        DOC(S_FALSE, "IEnumUnknown (downloads)::Skip", "celt 0xFFFFFFFF", IEnumUnknown_Skip(e, 0xffffffffu));
        IEnumUnknown_Release(e);
    }
    IDODownload_Abort(d);
    IDODownload_Release(d);
    end_test();
}

/* --- Delivery Optimization's extensions of a BITS job ----------------------------- */

static void test_do_extensions(void **state)
{
    IBackgroundCopyJob *job = new_job(L"do extensions");
    IDeliveryOptimizationJob *dj = tu_qi(job, &IID_IDeliveryOptimizationJob);
    IDeliveryOptimizationJob2 *dj2 = tu_qi(job, &IID_IDeliveryOptimizationJob2);
    IDeliveryOptimizationFile *df;
    IDeliveryOptimizationFile2 *df2;
    IBackgroundCopyFile *file;
    BG_FILE_RANGE range = {0, 100}, past = {SRC_SIZE, 10};
    WCHAR local[MAX_PATH], other[MAX_PATH], buf[4][MAX_PATH * 2];
    DOSwarmStats stats;
    VARIANT v;
    void *obj = NULL;
    size_t i;
    struct {
        const char *input;
        const WCHAR *local;
    } bad[] = {
        {"relative \"x.bin\"", L"x.bin"},
        {"device \"CON\"", L"CON"},
        {"device \"\\\\\\\\.\\\\PhysicalDrive0\"", L"\\\\.\\PhysicalDrive0"},
        {"stream \"<dir>\\\\f.txt:s\"", tu_path(buf[0], MAX_PATH * 2, L"f.txt:s")},
        {"missing drive", missing_drive},
        {"the test folder (a directory)", tu_dir()},
        {"100,003 characters", long_path},
    };

    (void)state;
    tu_path(local, MAX_PATH, L"dojob.bin");
    tu_path(other, MAX_PATH, L"dojob2.bin");
    note("documented: E_INVALIDARG for a missing id, name or ranges");
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "fileId NULL",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, NULL, src_url, local, 1, &range, SRC_SIZE));
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "fileId \"\"",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, L"", src_url, local, 1, &range, SRC_SIZE));
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "remoteUrl NULL",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", NULL, local, 1, &range, SRC_SIZE));
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "localName NULL",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", src_url, NULL, 1, &range, SRC_SIZE));
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "localName \"\"",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", src_url, L"", 1, &range, SRC_SIZE));
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "rangeCount 1, ranges NULL",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", src_url, local, 1, NULL, SRC_SIZE));
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "remoteUrl ftp://127.0.0.1/x",
         IDeliveryOptimizationJob_AddFileWithRanges(
             dj, L"a", L"ftp://127.0.0.1/x", local, 1, &range, SRC_SIZE));
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "remoteUrl of 2,201 characters",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", url_2201, local, 1, &range, SRC_SIZE));
    note("DO: DO_E_INVALID_RANGE for a range past fileSize");
    JDOC(job,
         DO_E_INVALID_RANGE,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "range starting at fileSize",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", src_url, local, 1, &past, SRC_SIZE));
    for (i = 0; i < ARRAYSIZE(bad); i++) {
        char what[160];
        snprintf(what, sizeof(what), "localName %s", bad[i].input);
        note(i == 0 ? "a local name that is not valid" : NULL);
        JUNDOC(
            job,
            "IDeliveryOptimizationJob::AddFileWithRanges",
            what,
            IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", src_url, bad[i].local, 1, &range, SRC_SIZE));
    }
    assert_int_equal(file_count(job), 0);
    assert_hr(S_OK,
              IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", src_url, local, 1, &range, SRC_SIZE));
    note("not documented; two files of a job would end in one final file");
    JUNDOC(job,
           "IDeliveryOptimizationJob::AddFileWithRanges",
           "another fileId to the same localName",
           IDeliveryOptimizationJob_AddFileWithRanges(dj, L"b", src_url, local, 1, &range, SRC_SIZE));
    wcscpy(buf[1], local);
    CharUpperW(buf[1] + wcslen(tu_dir()) + 1);
    JUNDOC(job,
           "IDeliveryOptimizationJob::AddFileWithRanges",
           "another fileId to the same localName in other case",
           IDeliveryOptimizationJob_AddFileWithRanges(dj, L"b", src_url, buf[1], 0, NULL, SRC_SIZE));
    note("documented: a fileId already in the job");
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationJob::AddFileWithRanges",
         "fileId of a file already added",
         IDeliveryOptimizationJob_AddFileWithRanges(dj, L"a", src_url, other, 1, &range, SRC_SIZE));

    note("a file without a local name (a stream sink) is not implemented (honest E_NOTIMPL)");
    JDOC(job,
         E_NOTIMPL,
         "IDeliveryOptimizationJob2::AddFile",
         "any",
         IDeliveryOptimizationJob2_AddFile(dj2, L"b", src_url, 0, NULL, &IID_IUnknown, &obj));
    JCONV(job,
          E_POINTER,
          "IDeliveryOptimizationJob2::GetProperty",
          "propValue NULL",
          IDeliveryOptimizationJob2_GetProperty(dj2, DOJobPropertyId_ExtendedErrorInfo, NULL));
    note("DO: DO_E_UNKNOWN_PROPERTY_ID");
    JDOC(job,
         DO_E_UNKNOWN_PROPERTY_ID,
         "IDeliveryOptimizationJob2::GetProperty",
         "propId 5",
         IDeliveryOptimizationJob2_GetProperty(dj2, (DOJobPropertyId)5, &v));
    JDOC(job,
         DO_E_UNKNOWN_PROPERTY_ID,
         "IDeliveryOptimizationJob2::SetProperty",
         "propId 5",
         IDeliveryOptimizationJob2_SetProperty(dj2, (DOJobPropertyId)5, &v));
    note("documented read-only: DO_E_READ_ONLY_PROPERTY");
    JDOC(job,
         DO_E_READ_ONLY_PROPERTY,
         "IDeliveryOptimizationJob2::SetProperty",
         "ExtendedErrorInfo",
         IDeliveryOptimizationJob2_SetProperty(dj2, DOJobPropertyId_ExtendedErrorInfo, NULL));
    note("no error to describe");
    JUNDOC(job,
           "IDeliveryOptimizationJob2::GetProperty",
           "ExtendedErrorInfo of a job without an error",
           IDeliveryOptimizationJob2_GetProperty(dj2, DOJobPropertyId_ExtendedErrorInfo, &v));

    file = tu_job_file(job, 0);
    df = tu_qi(file, &IID_IDeliveryOptimizationFile);
    df2 = tu_qi(file, &IID_IDeliveryOptimizationFile2);
    JCONV(job,
          E_POINTER,
          "IDeliveryOptimizationFile::GetStats",
          "swarmStats NULL",
          IDeliveryOptimizationFile_GetStats(df, NULL));
    (void)stats;
    JCONV(job,
          E_POINTER,
          "IDeliveryOptimizationFile2::GetProperty",
          "propValue NULL",
          IDeliveryOptimizationFile2_GetProperty(df2, DOFilePropertyId_TotalSizeBytes, NULL));
    note("DO: DO_E_UNKNOWN_PROPERTY_ID");
    JDOC(job,
         DO_E_UNKNOWN_PROPERTY_ID,
         "IDeliveryOptimizationFile2::GetProperty",
         "propId 99",
         IDeliveryOptimizationFile2_GetProperty(df2, (DOFilePropertyId)99, &v));
    JDOC(job,
         DO_E_UNKNOWN_PROPERTY_ID,
         "IDeliveryOptimizationFile2::SetProperty",
         "propId 99",
         IDeliveryOptimizationFile2_SetProperty(df2, (DOFilePropertyId)99, &v));
    note("DO: DO_E_READ_ONLY_PROPERTY");
    JDOC(job,
         DO_E_READ_ONLY_PROPERTY,
         "IDeliveryOptimizationFile2::SetProperty",
         "TotalSizeBytes",
         IDeliveryOptimizationFile2_SetProperty(df2, DOFilePropertyId_TotalSizeBytes, &v));
    JDOC(job,
         DO_E_READ_ONLY_PROPERTY,
         "IDeliveryOptimizationFile2::SetProperty",
         "DownloadSinkFilePath",
         IDeliveryOptimizationFile2_SetProperty(df2, DOFilePropertyId_DownloadSinkFilePath, &v));
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = NULL;
    note("a VARIANT of the wrong type: E_INVALIDARG");
    JDOC(job,
         E_INVALIDARG,
         "IDeliveryOptimizationFile2::SetProperty",
         "IntegrityCheckMandatory as VT_BSTR",
         IDeliveryOptimizationFile2_SetProperty(df2, DOFilePropertyId_IntegrityCheckMandatory, &v));
    JCONV(job,
          E_INVALIDARG,
          "IDeliveryOptimizationFile2::SetProperty",
          "IntegrityCheckMandatory, propValue NULL",
          IDeliveryOptimizationFile2_SetProperty(df2, DOFilePropertyId_IntegrityCheckMandatory, NULL));
    IDeliveryOptimizationFile2_Release(df2);
    IDeliveryOptimizationFile_Release(df);
    IBackgroundCopyFile_Release(file);

    IDeliveryOptimizationJob2_Release(dj2);
    IDeliveryOptimizationJob_Release(dj);
    IBackgroundCopyJob_Cancel(job);
    IBackgroundCopyJob_Release(job);
    end_test();
}

/* --- BITS 1.0 ------------------------------------------------------------------ */

static HRESULT qm_set(IBackgroundCopyGroup *g, GROUPPROP id, VARTYPE vt, const WCHAR *s, LONG n)
{
    VARIANT v;
    HRESULT hr;

    VariantInit(&v);
    V_VT(&v) = vt;
    if (vt == VT_BSTR)
        V_BSTR(&v) = s ? SysAllocString(s) : NULL;
    else if (vt == VT_R8)
        V_R8(&v) = n;
    else
        V_I4(&v) = n;
    hr = IBackgroundCopyGroup_SetProp(g, id, &v);
    if (vt == VT_BSTR)
        VariantClear(&v);
    return hr;
}

static HRESULT qm_add(IBackgroundCopyJob1 *job, const WCHAR *remote, const WCHAR *local)
{
    FILESETINFO info, *ptr = &info;
    HRESULT hr;

    info.bstrRemoteFile = remote ? SysAllocString(remote) : NULL;
    info.bstrLocalFile = local ? SysAllocString(local) : NULL;
    info.dwSizeHint = 0;
    hr = IBackgroundCopyJob1_AddFiles(job, 1, &ptr);
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    return hr;
}

static void test_qmgr(void **state)
{
    IBackgroundCopyGroup *g = NULL, *g2 = NULL;
    IBackgroundCopyJob1 *job = NULL, *j2 = NULL;
    IEnumBackgroundCopyGroups *eg = NULL;
    IEnumBackgroundCopyJobs1 *ej = NULL;
    WCHAR buf[8][MAX_PATH * 2];
    FILESETINFO info;
    GUID gid, jid, random, got[2];
    DWORD dw, dw2, dw3, dw4;
    VARIANT v;
    IUnknown *unk = NULL;
    ULONG n;
    size_t i;
    struct {
        const char *input;
        const WCHAR *local;
    } bad[16];
    int nb = 0;

    (void)state;
    CoCreateGuid(&gid);
    CoCreateGuid(&jid);
    CoCreateGuid(&random);
    CONV(E_POINTER,
         "IBackgroundCopyQMgr::CreateGroup",
         "ppGroup NULL",
         IBackgroundCopyQMgr_CreateGroup(qmgr, gid, NULL));
    CONV(E_POINTER,
         "IBackgroundCopyQMgr::GetGroup",
         "ppGroup NULL",
         IBackgroundCopyQMgr_GetGroup(qmgr, gid, NULL));
    note("documented: QM_E_ITEM_NOT_FOUND");
    DOC(QM_E_ITEM_NOT_FOUND,
        "IBackgroundCopyQMgr::GetGroup",
        "unknown GUID",
        IBackgroundCopyQMgr_GetGroup(qmgr, random, &g));
    CONV(E_POINTER,
         "IBackgroundCopyQMgr::EnumGroups",
         "ppEnumGroups NULL",
         IBackgroundCopyQMgr_EnumGroups(qmgr, 0, NULL));
    note("documented: dwFlags must be 0; otherwise E_NOTIMPL");
    DOC(E_NOTIMPL,
        "IBackgroundCopyQMgr::EnumGroups",
        "dwFlags 1",
        IBackgroundCopyQMgr_EnumGroups(qmgr, 1, &eg));
    DOC(E_NOTIMPL,
        "IBackgroundCopyQMgr::EnumGroups",
        "dwFlags 0xFFFFFFFF",
        IBackgroundCopyQMgr_EnumGroups(qmgr, 0xffffffffu, &eg));

    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(qmgr, gid, &g));
    note("a group id already in use");
    UNDOC("IBackgroundCopyQMgr::CreateGroup",
          "the GUID of an existing group",
          IBackgroundCopyQMgr_CreateGroup(qmgr, gid, &g2));

    /* Group methods on a new group. */
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::GetProp",
          "pvarVal NULL",
          IBackgroundCopyGroup_GetProp(g, GROUPPROP_PRIORITY, NULL));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "pvarVal NULL",
         IBackgroundCopyGroup_SetProp(g, GROUPPROP_PRIORITY, NULL));
    note("an unknown GROUPPROP");
    GUNDOC(g,
           NULL,
           "IBackgroundCopyGroup::GetProp",
           "propID 13",
           IBackgroundCopyGroup_GetProp(g, (GROUPPROP)13, &v));
    GUNDOC(g, NULL, "IBackgroundCopyGroup::SetProp", "propID 13", qm_set(g, (GROUPPROP)13, VT_I4, NULL, 1));
    GUNDOC(g, NULL, "IBackgroundCopyGroup::SetProp", "propID -1", qm_set(g, (GROUPPROP)-1, VT_I4, NULL, 1));
    note("documented: GROUPPROP_PRIORITY is 1 (the only supported value)");
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "PRIORITY 2",
         qm_set(g, GROUPPROP_PRIORITY, VT_I4, NULL, 2));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "PRIORITY as VT_R8",
         qm_set(g, GROUPPROP_PRIORITY, VT_R8, NULL, 1));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "PRIORITY as VT_BSTR",
         qm_set(g, GROUPPROP_PRIORITY, VT_BSTR, L"1", 0));
    note("documented: QM_PROTOCOL_HTTP is the only protocol");
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "PROTOCOLFLAGS QM_PROTOCOL_FTP",
         qm_set(g, GROUPPROP_PROTOCOLFLAGS, VT_I4, NULL, QM_PROTOCOL_FTP));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "NOTIFYFLAGS 0x100",
         qm_set(g, GROUPPROP_NOTIFYFLAGS, VT_I4, NULL, 0x100));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "NOTIFYFLAGS as VT_BSTR",
         qm_set(g, GROUPPROP_NOTIFYFLAGS, VT_BSTR, L"4", 0));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "NOTIFYCLSID \"{not-a-clsid}\"",
         qm_set(g, GROUPPROP_NOTIFYCLSID, VT_BSTR, L"{not-a-clsid}", 0));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "NOTIFYCLSID as VT_I4",
         qm_set(g, GROUPPROP_NOTIFYCLSID, VT_I4, NULL, 1));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "PROGRESSSIZE -5",
         qm_set(g, GROUPPROP_PROGRESSSIZE, VT_I4, NULL, -5));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "PROGRESSPERCENT 101",
         qm_set(g, GROUPPROP_PROGRESSPERCENT, VT_I4, NULL, 101));
    note("documented: display name limited to 256, description to 1,024 characters");
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "DISPLAYNAME of 100,000 characters",
         qm_set(g, GROUPPROP_DISPLAYNAME, VT_BSTR, long_str, 0));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "DESCRIPTION of 100,000 characters",
         qm_set(g, GROUPPROP_DESCRIPTION, VT_BSTR, long_str, 0));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::SetProp",
         "DISPLAYNAME as VT_I4",
         qm_set(g, GROUPPROP_DISPLAYNAME, VT_I4, NULL, 1));
    note("credentials of BITS 1.0 are not implemented (honest E_NOTIMPL)");
    GDOC(g,
         NULL,
         E_NOTIMPL,
         "IBackgroundCopyGroup::SetProp",
         "REMOTEUSERPWD",
         qm_set(g, GROUPPROP_REMOTEUSERPWD, VT_BSTR, L"x", 0));

    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::GetProgress",
          "pdwProgress NULL",
          IBackgroundCopyGroup_GetProgress(g, QM_PROGRESS_PERCENT_DONE, NULL));
    note("documented: QM_PROGRESS_TIME_DONE is not implemented");
    GDOC(g,
         NULL,
         E_NOTIMPL,
         "IBackgroundCopyGroup::GetProgress",
         "QM_PROGRESS_TIME_DONE",
         IBackgroundCopyGroup_GetProgress(g, QM_PROGRESS_TIME_DONE, &dw));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::GetProgress",
         "dwFlags 0",
         IBackgroundCopyGroup_GetProgress(g, 0, &dw));
    GDOC(g,
         NULL,
         E_INVALIDARG,
         "IBackgroundCopyGroup::GetProgress",
         "dwFlags 0xFFFFFFFF",
         IBackgroundCopyGroup_GetProgress(g, 0xffffffffu, &dw));
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::GetStatus",
          "pdwStatus NULL",
          IBackgroundCopyGroup_GetStatus(g, NULL, &dw));
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::GetStatus",
          "pdwJobIndex NULL",
          IBackgroundCopyGroup_GetStatus(g, &dw, NULL));
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::get_Size",
          "pdwSize NULL",
          IBackgroundCopyGroup_get_Size(g, NULL));
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::get_GroupID",
          "pguidGroupID NULL",
          IBackgroundCopyGroup_get_GroupID(g, NULL));
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::GetJob",
          "ppJob NULL",
          IBackgroundCopyGroup_GetJob(g, jid, NULL));
    GDOC(g,
         NULL,
         QM_E_ITEM_NOT_FOUND,
         "IBackgroundCopyGroup::GetJob",
         "unknown job GUID",
         IBackgroundCopyGroup_GetJob(g, random, &j2));
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::CreateJob",
          "ppJob NULL",
          IBackgroundCopyGroup_CreateJob(g, jid, NULL));
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::EnumJobs",
          "ppEnumJobs NULL",
          IBackgroundCopyGroup_EnumJobs(g, 0, NULL));
    note("documented: dwFlags must be 0; otherwise E_NOTIMPL");
    GDOC(g,
         NULL,
         E_NOTIMPL,
         "IBackgroundCopyGroup::EnumJobs",
         "dwFlags 1",
         IBackgroundCopyGroup_EnumJobs(g, 1, &ej));
    note("documented: a group with no job cannot be resumed");
    GDOC(g,
         NULL,
         QM_E_INVALID_STATE,
         "IBackgroundCopyGroup::ResumeGroup",
         "empty group",
         IBackgroundCopyGroup_ResumeGroup(g));
    GCONV(g,
          NULL,
          E_POINTER,
          "IBackgroundCopyGroup::QueryNewJobInterface",
          "pUnk NULL",
          IBackgroundCopyGroup_QueryNewJobInterface(g, &IID_IBackgroundCopyJob, NULL));
    GCONV(g,
          NULL,
          E_NOINTERFACE,
          "IBackgroundCopyGroup::QueryNewJobInterface",
          "IID_IBackgroundCopyQMgr",
          IBackgroundCopyGroup_QueryNewJobInterface(g, &IID_IBackgroundCopyQMgr, &unk));
    GCONV(g,
          NULL,
          E_NOINTERFACE,
          "IBackgroundCopyGroup::SetNotificationPointer",
          "iid IID_IUnknown",
          IBackgroundCopyGroup_SetNotificationPointer(g, &IID_IUnknown, (IUnknown *)qmgr));
    GCONV(g,
          NULL,
          E_NOINTERFACE,
          "IBackgroundCopyGroup::SetNotificationPointer",
          "an object that is not a callback",
          IBackgroundCopyGroup_SetNotificationPointer(g, &IID_IBackgroundCopyCallback1, (IUnknown *)qmgr));

    /* The job. */
    assert_hr(S_OK, IBackgroundCopyGroup_CreateJob(g, jid, &job));
    note("documented: one job per group");
    GDOC(g,
         job,
         E_NOTIMPL,
         "IBackgroundCopyGroup::CreateJob",
         "a second job",
         IBackgroundCopyGroup_CreateJob(g, random, &j2));
    GCONV(g,
          job,
          E_POINTER,
          "IBackgroundCopyJob1::get_JobID",
          "pguidJobID NULL",
          IBackgroundCopyJob1_get_JobID(job, NULL));
    GCONV(g,
          job,
          E_POINTER,
          "IBackgroundCopyJob1::GetFileCount",
          "pdwFileCount NULL",
          IBackgroundCopyJob1_GetFileCount(job, NULL));
    GCONV(g,
          job,
          E_POINTER,
          "IBackgroundCopyJob1::GetFile",
          "pFileInfo NULL",
          IBackgroundCopyJob1_GetFile(job, 0, NULL));
    note("documented: QM_E_ITEM_NOT_FOUND");
    GDOC(g,
         job,
         QM_E_ITEM_NOT_FOUND,
         "IBackgroundCopyJob1::GetFile",
         "index 0 of an empty job",
         IBackgroundCopyJob1_GetFile(job, 0, &info));
    GDOC(g,
         job,
         QM_E_ITEM_NOT_FOUND,
         "IBackgroundCopyJob1::GetFile",
         "index 0xFFFFFFFF",
         IBackgroundCopyJob1_GetFile(job, 0xffffffffu, &info));
    GCONV(g,
          job,
          E_POINTER,
          "IBackgroundCopyJob1::GetStatus",
          "pdwStatus NULL",
          IBackgroundCopyJob1_GetStatus(job, NULL, &dw2, &dw3, &dw4));
    GCONV(g,
          job,
          E_POINTER,
          "IBackgroundCopyJob1::GetStatus",
          "pdwNumOfRetries NULL",
          IBackgroundCopyJob1_GetStatus(job, &dw, &dw2, &dw3, NULL));
    GCONV(g,
          job,
          E_POINTER,
          "IBackgroundCopyJob1::GetProgress",
          "pdwProgress NULL",
          IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_SIZE_DONE, NULL));
    GDOC(g,
         job,
         E_NOTIMPL,
         "IBackgroundCopyJob1::GetProgress",
         "QM_PROGRESS_TIME_DONE",
         IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_TIME_DONE, &dw));
    GDOC(g,
         job,
         E_INVALIDARG,
         "IBackgroundCopyJob1::GetProgress",
         "dwFlags 7",
         IBackgroundCopyJob1_GetProgress(job, 7, &dw));
    note("documented: not implemented in BITS 1.0");
    GDOC(g, job, E_NOTIMPL, "IBackgroundCopyJob1::CancelJob", "-", IBackgroundCopyJob1_CancelJob(job));
    note("documented: not implemented in BITS 1.0");
    GDOC(g,
         job,
         E_NOTIMPL,
         "IBackgroundCopyJob1::SwitchToForeground",
         "-",
         IBackgroundCopyJob1_SwitchToForeground(job));
    GDOC(g,
         job,
         E_INVALIDARG,
         "IBackgroundCopyJob1::AddFiles",
         "ppFileSet NULL",
         IBackgroundCopyJob1_AddFiles(job, 1, NULL));
    {
        FILESETINFO *null_entry = NULL;
        GDOC(g,
             job,
             E_INVALIDARG,
             "IBackgroundCopyJob1::AddFiles",
             "a NULL entry",
             IBackgroundCopyJob1_AddFiles(job, 1, &null_entry));
    }
#define QBAD(text, value) (bad[nb].input = (text), bad[nb].local = (value), nb++)
    QBAD("NULL", NULL);
    QBAD("\"\"", L"");
    QBAD("relative \"x.bin\"", L"x.bin");
    QBAD("device \"CON\"", L"CON");
    QBAD("device \"\\\\\\\\.\\\\PhysicalDrive0\"", L"\\\\.\\PhysicalDrive0");
    QBAD("device \"<dir>\\\\nul\"", tu_path(buf[0], MAX_PATH * 2, L"nul"));
    QBAD("stream \"<dir>\\\\f.txt:s\"", tu_path(buf[1], MAX_PATH * 2, L"f.txt:s"));
    QBAD("missing drive", missing_drive);
    QBAD("the test folder (a directory)", tu_dir());
    QBAD("100,000 characters", long_path);
#undef QBAD
    for (i = 0; i < (size_t)nb; i++) {
        char what[160];
        snprintf(what, sizeof(what), "local %s", bad[i].input);
        note(i == 0 ? "a local name that is not valid: E_INVALIDARG" : NULL);
        GDOC(g, job, E_INVALIDARG, "IBackgroundCopyJob1::AddFiles", what, qm_add(job, src, bad[i].local));
    }
    GDOC(g, job, E_INVALIDARG, "IBackgroundCopyJob1::AddFiles", "remote NULL", qm_add(job, NULL, dest));
    GDOC(g,
         job,
         E_INVALIDARG,
         "IBackgroundCopyJob1::AddFiles",
         "remote ftp://127.0.0.1/x",
         qm_add(job, L"ftp://127.0.0.1/x", dest));
    GDOC(g,
         job,
         E_INVALIDARG,
         "IBackgroundCopyJob1::AddFiles",
         "remote of 2,201 characters",
         qm_add(job, url_2201, dest));
    GDOC(g,
         job,
         E_INVALIDARG,
         "IBackgroundCopyJob1::AddFiles",
         "remote of 100,017 characters",
         qm_add(job, long_url, dest));
    assert_hr(S_OK, IBackgroundCopyJob1_GetFileCount(job, &dw));
    assert_int_equal(dw, 0);
    {
        /* One final file twice in a set, then once more after a first add. */
        FILESETINFO two[2], *ptrs[2] = {&two[0], &two[1]};
        WCHAR upper[MAX_PATH];
        wcscpy(upper, dest);
        CharUpperW(upper + wcslen(tu_dir()) + 1);
        two[0].bstrRemoteFile = SysAllocString(src);
        two[0].bstrLocalFile = SysAllocString(dest);
        two[1].bstrRemoteFile = SysAllocString(src2);
        two[1].bstrLocalFile = SysAllocString(upper);
        two[0].dwSizeHint = two[1].dwSizeHint = 0;
        note("not documented; two files of a job would end in one final file (none of the set is added)");
        GUNDOC(g,
               job,
               "IBackgroundCopyJob1::AddFiles",
               "a set of two files to one final file (two cases)",
               IBackgroundCopyJob1_AddFiles(job, 2, ptrs));
        SysFreeString(two[0].bstrRemoteFile);
        SysFreeString(two[0].bstrLocalFile);
        SysFreeString(two[1].bstrRemoteFile);
        SysFreeString(two[1].bstrLocalFile);
        assert_hr(S_OK, IBackgroundCopyJob1_GetFileCount(job, &dw));
        assert_int_equal(dw, 0);
    }

    /* Enumerators. */
    assert_hr(S_OK, IBackgroundCopyGroup_EnumJobs(g, 0, &ej));
    CONV(E_POINTER,
         "IEnumBackgroundCopyJobs1::GetCount",
         "puCount NULL",
         IEnumBackgroundCopyJobs1_GetCount(ej, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyJobs1::Clone",
         "ppenum NULL",
         IEnumBackgroundCopyJobs1_Clone(ej, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyJobs1::Next",
         "rgelt NULL",
         IEnumBackgroundCopyJobs1_Next(ej, 1, NULL, &n));
    note("IEnumXXXX convention: pceltFetched may be NULL only when celt is 1");
    DOC(E_INVALIDARG,
        "IEnumBackgroundCopyJobs1::Next",
        "celt 2, pceltFetched NULL",
        IEnumBackgroundCopyJobs1_Next(ej, 2, got, NULL));
    DOC(S_FALSE,
        "IEnumBackgroundCopyJobs1::Skip",
        "celt 0xFFFFFFFF",
        IEnumBackgroundCopyJobs1_Skip(ej, 0xffffffffu));
    IEnumBackgroundCopyJobs1_Release(ej);
    assert_hr(S_OK, IBackgroundCopyQMgr_EnumGroups(qmgr, 0, &eg));
    CONV(E_POINTER,
         "IEnumBackgroundCopyGroups::GetCount",
         "puCount NULL",
         IEnumBackgroundCopyGroups_GetCount(eg, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyGroups::Clone",
         "ppenum NULL",
         IEnumBackgroundCopyGroups_Clone(eg, NULL));
    CONV(E_POINTER,
         "IEnumBackgroundCopyGroups::Next",
         "rgelt NULL",
         IEnumBackgroundCopyGroups_Next(eg, 1, NULL, &n));
    note("IEnumXXXX convention: pceltFetched may be NULL only when celt is 1");
    DOC(E_INVALIDARG,
        "IEnumBackgroundCopyGroups::Next",
        "celt 2, pceltFetched NULL",
        IEnumBackgroundCopyGroups_Next(eg, 2, got, NULL));
    DOC(S_FALSE,
        "IEnumBackgroundCopyGroups::Skip",
        "celt 0xFFFFFFFF",
        IEnumBackgroundCopyGroups_Skip(eg, 0xffffffffu));
    IEnumBackgroundCopyGroups_Release(eg);

    /* Complete: run the group to the end, then every change is refused. */
    assert_hr(S_OK, qm_add(job, src, dest));
    assert_hr(S_OK, IBackgroundCopyGroup_ResumeGroup(g));
    {
        ULONGLONG deadline = tu_ms() + TU_WAIT_MS;
        DWORD status = 0, index;
        while (tu_ms() < deadline && SUCCEEDED(IBackgroundCopyGroup_GetStatus(g, &status, &index)) &&
               !(status & (QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_ERROR)))
            Sleep(5);
        print_message("group status 0x%lx\n", (unsigned long)status);
    }
    note("documented: a group that finished takes no changes: QM_E_INVALID_STATE");
    GDOC(g,
         job,
         QM_E_INVALID_STATE,
         "IBackgroundCopyGroup::ResumeGroup",
         "completed group",
         IBackgroundCopyGroup_ResumeGroup(g));
    GDOC(g,
         job,
         QM_E_INVALID_STATE,
         "IBackgroundCopyJob1::AddFiles",
         "completed group",
         qm_add(job, src2, dest));
    GDOC(g,
         job,
         QM_E_INVALID_STATE,
         "IBackgroundCopyGroup::SwitchToForeground",
         "completed group",
         IBackgroundCopyGroup_SwitchToForeground(g));
    GDOC(g,
         job,
         QM_E_INVALID_STATE,
         "IBackgroundCopyGroup::SetProp",
         "DISPLAYNAME, completed group",
         qm_set(g, GROUPPROP_DISPLAYNAME, VT_BSTR, L"late", 0));
    GDOC(g,
         job,
         QM_E_INVALID_STATE,
         "IBackgroundCopyGroup::CreateJob",
         "completed group",
         IBackgroundCopyGroup_CreateJob(g, random, &j2));
    assert_true(tu_check_pattern(dest, SRC_SIZE, 3));
    IBackgroundCopyJob1_Release(job);
    IBackgroundCopyGroup_Release(g);
    DeleteFileW(dest);

    /* Cancelled. */
    CoCreateGuid(&gid);
    assert_hr(S_OK, IBackgroundCopyQMgr_CreateGroup(qmgr, gid, &g));
    assert_hr(S_OK, IBackgroundCopyGroup_CreateJob(g, jid, &job));
    assert_hr(S_OK, qm_add(job, src, dest));
    assert_hr(S_OK, IBackgroundCopyGroup_CancelGroup(g));
    note("documented: QM_E_INVALID_STATE after CancelGroup");
    DOC(QM_E_INVALID_STATE,
        "IBackgroundCopyGroup::CancelGroup",
        "cancelled group",
        IBackgroundCopyGroup_CancelGroup(g));
    DOC(QM_E_INVALID_STATE,
        "IBackgroundCopyGroup::ResumeGroup",
        "cancelled group",
        IBackgroundCopyGroup_ResumeGroup(g));
    DOC(QM_E_INVALID_STATE,
        "IBackgroundCopyGroup::SuspendGroup",
        "cancelled group",
        IBackgroundCopyGroup_SuspendGroup(g));
    DOC(QM_E_INVALID_STATE,
        "IBackgroundCopyGroup::GetStatus",
        "cancelled group",
        IBackgroundCopyGroup_GetStatus(g, &dw, &dw2));
    DOC(QM_E_INVALID_STATE,
        "IBackgroundCopyGroup::SwitchToForeground",
        "cancelled group",
        IBackgroundCopyGroup_SwitchToForeground(g));
    DOC(QM_E_INVALID_STATE,
        "IBackgroundCopyGroup::CreateJob",
        "cancelled group",
        IBackgroundCopyGroup_CreateJob(g, random, &j2));
    DOC(QM_E_INVALID_STATE,
        "IBackgroundCopyGroup::SetNotificationPointer",
        "cancelled group",
        IBackgroundCopyGroup_SetNotificationPointer(g, &IID_IBackgroundCopyCallback1, NULL));
    DOC(QM_E_INVALID_STATE,
        "IBackgroundCopyGroup::SetProp",
        "DISPLAYNAME, cancelled group",
        qm_set(g, GROUPPROP_DISPLAYNAME, VT_BSTR, L"late", 0));
    DOC(QM_E_INVALID_STATE, "IBackgroundCopyJob1::AddFiles", "cancelled group", qm_add(job, src2, dest));
    note("a cancelled group leaves the queue");
    DOC(QM_E_ITEM_NOT_FOUND,
        "IBackgroundCopyQMgr::GetGroup",
        "the GUID of a cancelled group",
        IBackgroundCopyQMgr_GetGroup(qmgr, gid, &g2));
    assert_false(tu_exists(dest));
    IBackgroundCopyJob1_Release(job);
    IBackgroundCopyGroup_Release(g);
    end_test();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_manager, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_add_file_local_names, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_add_file_remote_names, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_same_destination, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_job_methods, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_states, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_files_and_enums, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_do, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_do_extensions, begin_test, tu_cancel_all_jobs),
        cmocka_unit_test_setup_teardown(test_qmgr, begin_test, tu_cancel_all_jobs),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
