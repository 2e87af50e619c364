/* The per-user job store on Win32 files (interface and invariants in
 * store.h). One SRW lock per store serialises put, delete, get and
 * load_all, so `tmp\{GUID}.tmp` is never written by two threads at once; the
 * record is framed before the lock is taken. */
#include "store.h"

#include <shlobj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wincrypt.h>

#include "errors.h"

#define BITSDO__GUID_CHARS 38 /* {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} */
/* Room after the folder for "\{GUID}.bad-yyyymmddhhmmss-nnn" (or
 * "\tmp\{GUID}.tmp") and a NUL. */
#define BITSDO__NAME_ROOM 64
#define BITSDO__TMP_DIR   L"tmp" /* the puts' temp files, see store.h */

struct bitsdo_store {
    SRWLOCK lock;
    WCHAR *dir;           /* no trailing backslash */
    WCHAR *log_path;      /* host.log in the parent folder */
    LONGLONG crash_after; /* test seam, < 0 off */
};

/* --- paths and names ------------------------------------------------------- */

static WCHAR *bitsdo__wcsdup(const WCHAR *s)
{
    size_t n = wcslen(s) + 1;
    WCHAR *copy = malloc(n * sizeof(WCHAR));

    if (copy)
        memcpy(copy, s, n * sizeof(WCHAR));
    return copy;
}

static void bitsdo__guid_name(const GUID *id, WCHAR out[BITSDO__GUID_CHARS + 1])
{
    swprintf(out,
             BITSDO__GUID_CHARS + 1,
             L"{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
             (unsigned long)id->Data1,
             id->Data2,
             id->Data3,
             id->Data4[0],
             id->Data4[1],
             id->Data4[2],
             id->Data4[3],
             id->Data4[4],
             id->Data4[5],
             id->Data4[6],
             id->Data4[7]);
}

static int bitsdo__hex(WCHAR c)
{
    if (c >= L'0' && c <= L'9')
        return c - L'0';
    if (c >= L'a' && c <= L'f')
        return c - L'a' + 10;
    if (c >= L'A' && c <= L'F')
        return c - L'A' + 10;
    return -1;
}

/* Parses exactly "{8-4-4-4-12}" at the start of s. TRUE on success. */
static BOOL bitsdo__parse_guid(const WCHAR *s, GUID *id)
{
    static const unsigned char groups[5] = {8, 4, 4, 4, 12};
    uint8_t bytes[16];
    unsigned g, k, b = 0;
    const WCHAR *p = s;

    if (*p++ != L'{')
        return FALSE;
    for (g = 0; g < 5; g++) {
        if (g && *p++ != L'-')
            return FALSE;
        for (k = 0; k < groups[g]; k += 2) {
            int hi = bitsdo__hex(p[0]), lo = hi < 0 ? -1 : bitsdo__hex(p[1]);

            if (hi < 0 || lo < 0)
                return FALSE;
            bytes[b++] = (uint8_t)(hi << 4 | lo);
            p += 2;
        }
    }
    if (*p != L'}')
        return FALSE;
    id->Data1 = (DWORD)bytes[0] << 24 | (DWORD)bytes[1] << 16 | (DWORD)bytes[2] << 8 | bytes[3];
    id->Data2 = (WORD)(bytes[4] << 8 | bytes[5]);
    id->Data3 = (WORD)(bytes[6] << 8 | bytes[7]);
    memcpy(id->Data4, bytes + 8, 8);
    return TRUE;
}

/* out = dir + "\" + name; out holds wcslen(dir) + BITSDO__NAME_ROOM. */
static WCHAR *bitsdo__path_alloc(const bitsdo_store *store)
{
    return malloc((wcslen(store->dir) + BITSDO__NAME_ROOM) * sizeof(WCHAR));
}

static void bitsdo__path(const bitsdo_store *store, WCHAR *out, const WCHAR *name)
{
    size_t cap = wcslen(store->dir) + BITSDO__NAME_ROOM;

    swprintf(out, cap, L"%ls\\%ls", store->dir, name);
}

static void bitsdo__job_path(const bitsdo_store *store, const GUID *id, const WCHAR *ext, WCHAR *out)
{
    WCHAR name[BITSDO__NAME_ROOM];

    bitsdo__guid_name(id, name);
    wcscat(name, ext);
    bitsdo__path(store, out, name);
}

/* A put's temp file: "tmp\{GUID}.tmp". */
static void bitsdo__tmp_path(const bitsdo_store *store, const GUID *id, WCHAR *out)
{
    WCHAR name[BITSDO__NAME_ROOM];

    wcscpy(name, BITSDO__TMP_DIR L"\\");
    bitsdo__guid_name(id, name + wcslen(name));
    wcscat(name, L".tmp");
    bitsdo__path(store, out, name);
}

/* Creates dir and every missing parent. */
static HRESULT bitsdo__mkdirs(const WCHAR *dir)
{
    WCHAR *copy = bitsdo__wcsdup(dir), *p;
    DWORD attrs;

    if (!copy)
        return E_OUTOFMEMORY;
    /* skip a drive ("C:\") or UNC ("\\server\share\") root */
    p = copy;
    if (p[0] == L'\\' && p[1] == L'\\') {
        p += 2;
        for (int parts = 0; *p && parts < 2; p++)
            if (*p == L'\\')
                parts++;
    } else if (p[0] && p[1] == L':') {
        p += 2;
    }
    for (; *p; p++) {
        if ((*p == L'\\' || *p == L'/') && p > copy && p[-1] != L':') {
            WCHAR saved = *p;

            *p = 0;
            CreateDirectoryW(copy, NULL); /* exists already, or the last call says */
            *p = saved;
        }
    }
    if (!CreateDirectoryW(copy, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
        DWORD err = GetLastError();

        free(copy);
        return HRESULT_FROM_WIN32(err);
    }
    attrs = GetFileAttributesW(copy);
    free(copy);
    if (attrs == INVALID_FILE_ATTRIBUTES || !(attrs & FILE_ATTRIBUTE_DIRECTORY))
        return HRESULT_FROM_WIN32(ERROR_DIRECTORY);
    return S_OK;
}

/* The folder to open: the argument, BITSDO_STORE_DIR, or the default. */
static WCHAR *bitsdo__store_dir(const WCHAR *dir)
{
    WCHAR buf[MAX_PATH + 32];
    DWORD n;
    size_t len;
    WCHAR *out;

    if (dir && *dir) {
        out = bitsdo__wcsdup(dir);
    } else if ((n = GetEnvironmentVariableW(L"BITSDO_STORE_DIR", NULL, 0)) > 1) {
        if (!(out = malloc(n * sizeof(WCHAR))))
            return NULL;
        if (GetEnvironmentVariableW(L"BITSDO_STORE_DIR", out, n) != n - 1) {
            free(out);
            return NULL;
        }
    } else {
        if (FAILED(SHGetFolderPathW(
                NULL, CSIDL_LOCAL_APPDATA | CSIDL_FLAG_CREATE, NULL, SHGFP_TYPE_CURRENT, buf)))
            return NULL;
        wcscat(buf, L"\\bitsdo\\jobs");
        out = bitsdo__wcsdup(buf);
    }
    if (!out)
        return NULL;
    len = wcslen(out);
    while (len > 3 && (out[len - 1] == L'\\' || out[len - 1] == L'/'))
        out[--len] = 0;
    return out;
}

/* host.log beside the store folder: "<parent of dir>\host.log". */
static WCHAR *bitsdo__log_path(const WCHAR *dir)
{
    const WCHAR *slash = wcsrchr(dir, L'\\');
    size_t parent = slash ? (size_t)(slash - dir) : wcslen(dir);
    WCHAR *out = malloc((parent + 16) * sizeof(WCHAR));

    if (!out)
        return NULL;
    memcpy(out, dir, parent * sizeof(WCHAR));
    wcscpy(out + parent, L"\\host.log");
    return out;
}

/* Appends one line (UTF-8, with a UTC time stamp) to host.log. */
static void bitsdo__log(const bitsdo_store *store, const char *fmt, ...)
{
    char line[1024];
    SYSTEMTIME t;
    va_list args;
    HANDLE h;
    DWORD written;
    int n, m;

    GetSystemTime(&t);
    n = snprintf(line,
                 sizeof(line),
                 "%04u-%02u-%02u %02u:%02u:%02uZ store: ",
                 t.wYear,
                 t.wMonth,
                 t.wDay,
                 t.wHour,
                 t.wMinute,
                 t.wSecond);
    if (n < 0)
        return;
    va_start(args, fmt);
    m = vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, args);
    va_end(args);
    if (m < 0)
        return;
    n += m;
    if ((size_t)n > sizeof(line) - 3)
        n = (int)sizeof(line) - 3;
    line[n++] = '\r';
    line[n++] = '\n';
    h = CreateFileW(store->log_path,
                    FILE_APPEND_DATA,
                    FILE_SHARE_READ | FILE_SHARE_WRITE,
                    NULL,
                    OPEN_ALWAYS,
                    FILE_ATTRIBUTE_NORMAL,
                    NULL);
    if (h == INVALID_HANDLE_VALUE)
        return;
    WriteFile(h, line, (DWORD)n, &written, NULL);
    CloseHandle(h);
}

/* A WCHAR name as UTF-8 for the log. */
static void bitsdo__utf8(const WCHAR *s, char *out, int cap)
{
    if (!s || !WideCharToMultiByte(CP_UTF8, 0, s, -1, out, cap, NULL, NULL))
        strcpy(out, "?");
}

/* --- open and close -------------------------------------------------------- */

static HRESULT bitsdo__make_tmp_dir(const bitsdo_store *store)
{
    WCHAR *tmp_dir = bitsdo__path_alloc(store);
    HRESULT hr;

    if (!tmp_dir)
        return E_OUTOFMEMORY;
    bitsdo__path(store, tmp_dir, BITSDO__TMP_DIR);
    hr = bitsdo__mkdirs(tmp_dir);
    free(tmp_dir);
    return hr;
}

HRESULT bitsdo_store_open(const WCHAR *dir, bitsdo_store **out)
{
    bitsdo_store *store;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!(store = calloc(1, sizeof(*store))))
        return E_OUTOFMEMORY;
    InitializeSRWLock(&store->lock);
    store->crash_after = -1;
    if (!(store->dir = bitsdo__store_dir(dir)) || !(store->log_path = bitsdo__log_path(store->dir))) {
        bitsdo_store_close(store);
        return E_OUTOFMEMORY;
    }
    if (FAILED(hr = bitsdo__mkdirs(store->dir))) {
        bitsdo_store_close(store);
        return hr;
    }
    if (FAILED(hr = bitsdo__make_tmp_dir(store))) {
        bitsdo_store_close(store);
        return hr;
    }
    *out = store;
    return S_OK;
}

void bitsdo_store_close(bitsdo_store *store)
{
    if (!store)
        return;
    free(store->dir);
    free(store->log_path);
    free(store);
}

const WCHAR *bitsdo_store_dir(const bitsdo_store *store)
{
    return store ? store->dir : NULL;
}

void bitsdo_store_test_crash_after(bitsdo_store *store, LONGLONG bytes)
{
    if (!store)
        return;
    AcquireSRWLockExclusive(&store->lock);
    store->crash_after = bytes;
    ReleaseSRWLockExclusive(&store->lock);
}

/* --- put and delete -------------------------------------------------------- */

static HRESULT bitsdo__storerec_hr(bitsdo_storerec_result r)
{
    switch (r) {
    case BITSDO_STOREREC_OK:
        return S_OK;
    case BITSDO_STOREREC_E_NOMEM:
        return E_OUTOFMEMORY;
    case BITSDO_STOREREC_E_ARG:
        return E_INVALIDARG;
    default:
        return HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT);
    }
}

/* Writes buf to `tmp`, flushes it and moves it over `final`. The caller
 * holds the lock. */
static HRESULT bitsdo__commit(bitsdo_store *store, const WCHAR *tmp, const WCHAR *final, const uint8_t *buf,
                              size_t len)
{
    size_t want = len, done = 0;
    BOOL crash = FALSE;
    HANDLE h;
    DWORD err;

    if (store->crash_after >= 0) {
        crash = TRUE;
        if ((ULONGLONG)store->crash_after < len)
            want = (size_t)store->crash_after;
        store->crash_after = -1;
    }
    h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PATH_NOT_FOUND &&
        SUCCEEDED(bitsdo__make_tmp_dir(store))) /* someone removed the tmp folder */
        h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return HRESULT_FROM_WIN32(GetLastError());
    while (done < want) {
        DWORD chunk = want - done > 0x40000000u ? 0x40000000u : (DWORD)(want - done), written = 0;

        if (!WriteFile(h, buf + done, chunk, &written, NULL) || !written)
            goto failed;
        done += written;
    }
    if (crash) {
        /* As a crash would leave it: part of the bytes, no flush, no move. */
        CloseHandle(h);
        return E_ABORT;
    }
    if (!FlushFileBuffers(h))
        goto failed;
    CloseHandle(h);
    if (!MoveFileExW(tmp, final, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        err = GetLastError();
        DeleteFileW(tmp);
        return HRESULT_FROM_WIN32(err);
    }
    return S_OK;

failed:
    err = GetLastError();
    CloseHandle(h);
    DeleteFileW(tmp);
    return HRESULT_FROM_WIN32(err ? err : ERROR_WRITE_FAULT);
}

HRESULT bitsdo_store_put(bitsdo_store *store, const GUID *id, uint32_t kind,
                         const bitsdo_store_section *sections, uint32_t n)
{
    const bitsdo_store_section *job = NULL;
    WCHAR *tmp = NULL, *final = NULL;
    bitsdo_job_rec rec;
    uint8_t *buf;
    size_t len;
    uint32_t i;
    HRESULT hr;

    if (!store || !id || (n && !sections))
        return E_INVALIDARG;
    for (i = 0; i < n; i++)
        if (sections[i].id == BITSDO_STORE_SECTION_JOB)
            job = &sections[i];
    if (!job)
        return E_INVALIDARG;
    /* Never write what load would set aside: the job section must parse and
     * be this job's. */
    bitsdo_job_rec_init(&rec);
    hr = bitsdo_job_rec_read(job->data, job->len, &rec);
    if (SUCCEEDED(hr) && memcmp(rec.id, id, sizeof(rec.id)))
        hr = E_INVALIDARG;
    bitsdo_job_rec_free(&rec);
    if (FAILED(hr))
        return hr == BITSDO_E_OUTOFMEMORY ? E_OUTOFMEMORY : E_INVALIDARG;

    if (FAILED(hr = bitsdo__storerec_hr(bitsdo_storerec_frame(kind, sections, n, &buf, &len))))
        return hr;
    if (!(tmp = bitsdo__path_alloc(store)) || !(final = bitsdo__path_alloc(store))) {
        hr = E_OUTOFMEMORY;
        goto done;
    }
    bitsdo__tmp_path(store, id, tmp);
    bitsdo__job_path(store, id, L".job", final);
    AcquireSRWLockExclusive(&store->lock);
    hr = bitsdo__commit(store, tmp, final, buf, len);
    ReleaseSRWLockExclusive(&store->lock);
done:
    free(tmp);
    free(final);
    free(buf);
    return hr;
}

HRESULT bitsdo_store_put_job(bitsdo_store *store, uint32_t kind, const bitsdo_job_rec *rec,
                             const void *extras, uint32_t extras_len, const void *credentials,
                             uint32_t credentials_len)
{
    bitsdo_store_section sections[3];
    uint32_t n = 0;
    uint8_t *job;
    size_t job_len;
    HRESULT hr;

    if (!store || !rec || (extras_len && !extras) || (credentials_len && !credentials))
        return E_INVALIDARG;
    if (FAILED(hr = bitsdo_job_rec_write(rec, &job, &job_len)))
        return hr;
    if (job_len > UINT32_MAX) {
        free(job);
        return E_INVALIDARG;
    }
    sections[n++] = (bitsdo_store_section){BITSDO_STORE_SECTION_JOB, job, (uint32_t)job_len};
    if (extras)
        sections[n++] = (bitsdo_store_section){BITSDO_STORE_SECTION_FACADE, extras, extras_len};
    if (credentials)
        sections[n++] =
            (bitsdo_store_section){BITSDO_STORE_SECTION_CREDENTIALS, credentials, credentials_len};
    hr = bitsdo_store_put(store, (const GUID *)rec->id, kind, sections, n);
    free(job);
    return hr;
}

HRESULT bitsdo_store_delete(bitsdo_store *store, const GUID *id)
{
    WCHAR *path;
    HRESULT hr = S_OK;

    if (!store || !id)
        return E_INVALIDARG;
    if (!(path = bitsdo__path_alloc(store)))
        return E_OUTOFMEMORY;
    AcquireSRWLockExclusive(&store->lock);
    bitsdo__tmp_path(store, id, path);
    DeleteFileW(path);
    bitsdo__job_path(store, id, L".job", path);
    if (!DeleteFileW(path)) {
        DWORD err = GetLastError();

        hr = err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ? S_FALSE : HRESULT_FROM_WIN32(err);
    }
    ReleaseSRWLockExclusive(&store->lock);
    free(path);
    return hr;
}

/* --- loading --------------------------------------------------------------- */

typedef enum bitsdo__load_result {
    BITSDO__LOADED,
    BITSDO__REJECTED,   /* good, the callback failed */
    BITSDO__BAD,        /* set aside */
    BITSDO__SKIPPED,    /* unknown kind: left alone */
    BITSDO__UNREADABLE, /* could not be read: left alone */
} bitsdo__load_result;

/* Reads and checks one record, calls cb if it is good. The caller holds
 * the lock. *reason is set for BAD and SKIPPED; *cb_hr for REJECTED. */
static bitsdo__load_result bitsdo__load_one(const WCHAR *path, const GUID *id, bitsdo_store_load_cb cb,
                                            void *ctx, const char **reason, HRESULT *cb_hr)
{
    bitsdo__load_result result;
    const bitsdo_store_section *job;
    bitsdo_storerec frame;
    bitsdo_storerec_result fr;
    bitsdo_job_rec rec;
    LARGE_INTEGER size;
    uint8_t *buf;
    DWORD got, done = 0;
    HANDLE h;
    HRESULT hr;

    *reason = NULL;
    *cb_hr = S_OK;
    h = CreateFileW(path,
                    GENERIC_READ,
                    FILE_SHARE_READ | FILE_SHARE_DELETE,
                    NULL,
                    OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL,
                    NULL);
    if (h == INVALID_HANDLE_VALUE)
        return BITSDO__UNREADABLE;
    if (!GetFileSizeEx(h, &size)) {
        CloseHandle(h);
        return BITSDO__UNREADABLE;
    }
    if ((ULONGLONG)size.QuadPart > BITSDO_STOREREC_HEADER_SIZE + (ULONGLONG)BITSDO_STOREREC_MAX_BODY) {
        CloseHandle(h);
        *reason = "larger than any record";
        return BITSDO__BAD;
    }
    if (!(buf = malloc(size.QuadPart ? (size_t)size.QuadPart : 1))) {
        CloseHandle(h);
        return BITSDO__UNREADABLE;
    }
    while (done < (DWORD)size.QuadPart) {
        if (!ReadFile(h, buf + done, (DWORD)size.QuadPart - done, &got, NULL) || !got)
            break;
        done += got;
    }
    CloseHandle(h);
    if (done != (DWORD)size.QuadPart) {
        free(buf);
        return BITSDO__UNREADABLE;
    }

    fr = bitsdo_storerec_unframe(buf, done, &frame);
    if (fr != BITSDO_STOREREC_OK) {
        free(buf);
        *reason = bitsdo_storerec_result_name(fr);
        return fr == BITSDO_STOREREC_E_NOMEM ? BITSDO__UNREADABLE : BITSDO__BAD;
    }
    if (!(job = bitsdo_storerec_find(&frame, BITSDO_STORE_SECTION_JOB))) {
        free(buf);
        *reason = "no job section";
        return BITSDO__BAD;
    }
    bitsdo_job_rec_init(&rec);
    hr = bitsdo_job_rec_read(job->data, job->len, &rec);
    if (FAILED(hr)) {
        free(buf);
        if (hr == BITSDO_E_OUTOFMEMORY)
            return BITSDO__UNREADABLE;
        *reason = "job record does not parse";
        return BITSDO__BAD;
    }
    if (memcmp(rec.id, id, sizeof(rec.id))) {
        result = BITSDO__BAD;
        *reason = "job id is not the file name";
    } else if (frame.kind < BITSDO_STORE_KIND_BITS_JOB || frame.kind > BITSDO_STORE_KIND_QM_GROUP) {
        result = BITSDO__SKIPPED;
        *reason = "unknown kind";
    } else {
        *cb_hr = cb(ctx, id, frame.kind, &rec, frame.sections, frame.section_count);
        result = FAILED(*cb_hr) ? BITSDO__REJECTED : BITSDO__LOADED;
    }
    bitsdo_job_rec_free(&rec);
    free(buf);
    return result;
}

/* Renames a bad record to "<stem>.bad-<UTC yyyymmddhhmmss>" (with "-n"
 * if that is taken). Returns the new name (malloc'ed) or NULL. */
static WCHAR *bitsdo__set_aside(const bitsdo_store *store, const WCHAR *name, const WCHAR *path)
{
    WCHAR stem[BITSDO__NAME_ROOM], new_name[BITSDO__NAME_ROOM], *new_path;
    const WCHAR *dot = wcsrchr(name, L'.');
    size_t stem_len = dot ? (size_t)(dot - name) : wcslen(name);
    SYSTEMTIME t;
    unsigned n;

    if (stem_len > BITSDO__GUID_CHARS)
        stem_len = BITSDO__GUID_CHARS;
    memcpy(stem, name, stem_len * sizeof(WCHAR));
    stem[stem_len] = 0;
    if (!(new_path = bitsdo__path_alloc(store)))
        return NULL;
    GetSystemTime(&t);
    for (n = 1; n < 1000; n++) {
        if (n == 1)
            swprintf(new_name,
                     BITSDO__NAME_ROOM,
                     L"%ls.bad-%04u%02u%02u%02u%02u%02u",
                     stem,
                     t.wYear,
                     t.wMonth,
                     t.wDay,
                     t.wHour,
                     t.wMinute,
                     t.wSecond);
        else
            swprintf(new_name,
                     BITSDO__NAME_ROOM,
                     L"%ls.bad-%04u%02u%02u%02u%02u%02u-%u",
                     stem,
                     t.wYear,
                     t.wMonth,
                     t.wDay,
                     t.wHour,
                     t.wMinute,
                     t.wSecond,
                     n);
        bitsdo__path(store, new_path, new_name);
        if (MoveFileExW(path, new_path, MOVEFILE_WRITE_THROUGH)) {
            free(new_path);
            return bitsdo__wcsdup(new_name);
        }
        if (GetLastError() != ERROR_ALREADY_EXISTS && GetLastError() != ERROR_FILE_EXISTS)
            break;
    }
    free(new_path);
    return NULL;
}

static BOOL bitsdo__ends_with(const WCHAR *s, const WCHAR *suffix)
{
    size_t n = wcslen(s), m = wcslen(suffix);

    return n >= m && !_wcsicmp(s + n - m, suffix);
}

static void bitsdo__report_bad(bitsdo_store_report *report, const WCHAR *name, WCHAR *renamed,
                               const char *reason)
{
    bitsdo_store_bad *grown;

    report->set_aside++;
    grown = realloc(report->bad, report->set_aside * sizeof(*grown));
    if (!grown) {
        free(renamed);
        return;
    }
    report->bad = grown;
    grown[report->set_aside - 1].name = bitsdo__wcsdup(name);
    grown[report->set_aside - 1].renamed = renamed;
    grown[report->set_aside - 1].reason = reason;
}

/* Deletes every "*.tmp" (puts that never committed) in `sub` ("tmp\\") or
 * beside the records (`sub` "", where versions before the tmp folder wrote
 * them). The caller holds the lock. */
static void bitsdo__remove_tmp(bitsdo_store *store, const WCHAR *sub, WCHAR *path,
                               bitsdo_store_report *report)
{
    WIN32_FIND_DATAW fd;
    WCHAR name_w[BITSDO__NAME_ROOM];
    HANDLE find;

    swprintf(name_w, BITSDO__NAME_ROOM, L"%ls*.tmp", sub);
    bitsdo__path(store, path, name_w);
    if ((find = FindFirstFileW(path, &fd)) == INVALID_HANDLE_VALUE)
        return;
    do {
        char name[128];

        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || !bitsdo__ends_with(fd.cFileName, L".tmp") ||
            wcslen(sub) + wcslen(fd.cFileName) >= BITSDO__NAME_ROOM)
            continue;
        swprintf(name_w, BITSDO__NAME_ROOM, L"%ls%ls", sub, fd.cFileName);
        bitsdo__path(store, path, name_w);
        if (DeleteFileW(path)) {
            report->tmp_removed++;
            bitsdo__utf8(name_w, name, sizeof(name));
            bitsdo__log(store, "removed %s: an uncommitted write", name);
        }
    } while (FindNextFileW(find, &fd));
    FindClose(find);
}

HRESULT bitsdo_store_load_all(bitsdo_store *store, bitsdo_store_load_cb cb, void *ctx,
                              bitsdo_store_report *out)
{
    bitsdo_store_report report;
    WIN32_FIND_DATAW fd;
    HANDLE find;
    WCHAR *path;
    HRESULT hr = S_OK;

    if (out)
        memset(out, 0, sizeof(*out));
    if (!store || !cb)
        return E_INVALIDARG;
    memset(&report, 0, sizeof(report));
    if (!(path = bitsdo__path_alloc(store)))
        return E_OUTOFMEMORY;
    AcquireSRWLockExclusive(&store->lock);
    bitsdo__remove_tmp(store, BITSDO__TMP_DIR L"\\", path, &report);
    bitsdo__remove_tmp(store, L"", path, &report);
    bitsdo__path(store, path, L"*.job");
    find = FindFirstFileW(path, &fd);
    if (find == INVALID_HANDLE_VALUE) {
        DWORD err = GetLastError();

        if (err != ERROR_FILE_NOT_FOUND && err != ERROR_NO_MORE_FILES)
            hr = HRESULT_FROM_WIN32(err);
    } else {
        do {
            const char *reason;
            char name[128], renamed_u8[128];
            bitsdo__load_result r;
            WCHAR *renamed;
            HRESULT cb_hr;
            GUID id;

            /* "*.job" may also match longer extensions through short names */
            if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
                !bitsdo__ends_with(fd.cFileName, L".job") || wcslen(fd.cFileName) >= BITSDO__NAME_ROOM)
                continue;
            bitsdo__path(store, path, fd.cFileName);
            bitsdo__utf8(fd.cFileName, name, sizeof(name));
            if (wcslen(fd.cFileName) != BITSDO__GUID_CHARS + 4 || !bitsdo__parse_guid(fd.cFileName, &id)) {
                r = BITSDO__BAD;
                reason = "file name is not {GUID}.job";
            } else {
                r = bitsdo__load_one(path, &id, cb, ctx, &reason, &cb_hr);
            }
            switch (r) {
            case BITSDO__LOADED:
                report.loaded++;
                break;
            case BITSDO__REJECTED:
                report.rejected++;
                bitsdo__log(
                    store, "%s: not loaded, the engine refused it (0x%08lx)", name, (unsigned long)cb_hr);
                break;
            case BITSDO__SKIPPED:
                report.skipped++;
                bitsdo__log(store, "%s: left in place: %s", name, reason);
                break;
            case BITSDO__UNREADABLE:
                report.unreadable++;
                bitsdo__log(store, "%s: left in place: could not be read", name);
                break;
            case BITSDO__BAD:
                renamed = bitsdo__set_aside(store, fd.cFileName, path);
                bitsdo__utf8(renamed, renamed_u8, sizeof(renamed_u8));
                if (renamed)
                    bitsdo__log(store, "set aside %s as %s: %s", name, renamed_u8, reason);
                else
                    bitsdo__log(store,
                                "%s is bad (%s) and could not be renamed (error %lu); not loaded",
                                name,
                                reason,
                                (unsigned long)GetLastError());
                bitsdo__report_bad(&report, fd.cFileName, renamed, reason);
                break;
            }
        } while (FindNextFileW(find, &fd));
        FindClose(find);
    }
    ReleaseSRWLockExclusive(&store->lock);
    free(path);
    if (out)
        *out = report;
    else
        bitsdo_store_report_free(&report);
    return hr;
}

void bitsdo_store_report_free(bitsdo_store_report *report)
{
    uint32_t i;

    if (!report)
        return;
    for (i = 0; report->bad && i < report->set_aside; i++) {
        free(report->bad[i].name);
        free(report->bad[i].renamed);
    }
    free(report->bad);
    memset(report, 0, sizeof(*report));
}

HRESULT bitsdo_store_get(bitsdo_store *store, const GUID *id, bitsdo_store_load_cb cb, void *ctx)
{
    bitsdo__load_result r;
    const char *reason;
    HRESULT cb_hr = S_OK, hr;
    WCHAR *path;

    if (!store || !id || !cb)
        return E_INVALIDARG;
    if (!(path = bitsdo__path_alloc(store)))
        return E_OUTOFMEMORY;
    bitsdo__job_path(store, id, L".job", path);
    AcquireSRWLockExclusive(&store->lock);
    if (GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES) {
        r = BITSDO__UNREADABLE;
        hr = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    } else {
        r = bitsdo__load_one(path, id, cb, ctx, &reason, &cb_hr);
        hr = r == BITSDO__LOADED       ? S_OK
             : r == BITSDO__REJECTED   ? cb_hr
             : r == BITSDO__UNREADABLE ? HRESULT_FROM_WIN32(ERROR_READ_FAULT)
                                       : HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT);
    }
    ReleaseSRWLockExclusive(&store->lock);
    free(path);
    return hr;
}

/* --- DPAPI ----------------------------------------------------------------- */

/* Not a secret: it only keeps other programs' CryptUnprotectData calls
 * without it from reading our blobs by accident. */
static const char bitsdo__entropy[] = "bitsdo store credentials v1";

static HRESULT bitsdo__dpapi(BOOL protect, const void *in, size_t in_len, uint8_t **out, size_t *out_len)
{
    DATA_BLOB input, output = {0, NULL}, entropy;
    BOOL ok;

    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!out || !out_len || (!in && in_len))
        return E_POINTER;
    if (in_len > 0x7FFFFFFF)
        return E_INVALIDARG;
    input.cbData = (DWORD)in_len;
    input.pbData = (BYTE *)in;
    entropy.cbData = sizeof(bitsdo__entropy) - 1;
    entropy.pbData = (BYTE *)bitsdo__entropy;
    if (protect)
        ok = CryptProtectData(&input, NULL, &entropy, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &output);
    else
        ok = CryptUnprotectData(&input, NULL, &entropy, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &output);
    if (!ok)
        return HRESULT_FROM_WIN32(GetLastError());
    if (!(*out = malloc(output.cbData ? output.cbData : 1))) {
        SecureZeroMemory(output.pbData, output.cbData);
        LocalFree(output.pbData);
        return E_OUTOFMEMORY;
    }
    memcpy(*out, output.pbData, output.cbData);
    *out_len = output.cbData;
    SecureZeroMemory(output.pbData, output.cbData);
    LocalFree(output.pbData);
    return S_OK;
}

HRESULT bitsdo_store_protect(const void *secret, size_t len, uint8_t **blob, size_t *blob_len)
{
    return bitsdo__dpapi(TRUE, secret, len, blob, blob_len);
}

HRESULT bitsdo_store_unprotect(const void *blob, size_t blob_len, uint8_t **secret, size_t *len)
{
    return bitsdo__dpapi(FALSE, blob, blob_len, secret, len);
}

void bitsdo_store_free_secret(void *secret, size_t len)
{
    if (!secret)
        return;
    SecureZeroMemory(secret, len);
    free(secret);
}
