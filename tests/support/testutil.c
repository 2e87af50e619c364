/* Helpers shared by the Wine tests: see testutil.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#include <stdlib.h>

/* --- assertions ----------------------------------------------------------- */

void tu_assert_hr(HRESULT expected, HRESULT hr, const char *call, const char *file, int line)
{
    if (hr == expected)
        return;
    print_error("%s:%d: %s returned 0x%08lx, expected 0x%08lx\n", file, line, call,
                (unsigned long)hr, (unsigned long)expected);
    _fail(file, line);
}

void tu_assert_null_arg(HRESULT hr, const char *call, const char *file, int line)
{
    if (hr == E_POINTER || hr == E_INVALIDARG)
        return;
    print_error("%s:%d: %s returned 0x%08lx, expected E_POINTER or E_INVALIDARG\n", file, line,
                call, (unsigned long)hr);
    _fail(file, line);
}

void tu_assert_wstr_equal(const WCHAR *a, const WCHAR *b, const char *ta, const char *tb,
                          const char *file, int line)
{
    if ((!a && !b) || (a && b && !wcscmp(a, b)))
        return;
    print_error("%s:%d: %s (\"%ls\") != %s (\"%ls\")\n", file, line, ta, a ? a : L"(null)", tb,
                b ? b : L"(null)");
    _fail(file, line);
}

/* --- COM ------------------------------------------------------------------ */

IBackgroundCopyManager *tu_manager(void)
{
    IBackgroundCopyManager *mgr = NULL;
    HRESULT hr = CoCreateInstance(&CLSID_BitsdoPrivateManager, NULL, CLSCTX_INPROC_SERVER,
                                  &IID_IBackgroundCopyManager, (void **)&mgr);
    assert_hr(S_OK, hr);
    assert_non_null(mgr);
    return mgr;
}

IBackgroundCopyJob *tu_create_job(IBackgroundCopyManager *mgr, const WCHAR *name, GUID *id)
{
    IBackgroundCopyJob *job = NULL;
    GUID local_id;

    assert_hr(S_OK, IBackgroundCopyManager_CreateJob(mgr, name, BG_JOB_TYPE_DOWNLOAD,
                                                     id ? id : &local_id, &job));
    assert_non_null(job);
    return job;
}

void *tu_qi(void *unknown, REFIID riid)
{
    void *out = NULL;

    assert_hr(S_OK, IUnknown_QueryInterface((IUnknown *)unknown, riid, &out));
    assert_non_null(out);
    return out;
}

ULONG tu_refcount(void *unknown)
{
    IUnknown_AddRef((IUnknown *)unknown);
    return IUnknown_Release((IUnknown *)unknown);
}

int tu_group_setup(void **state)
{
    (void)state;
    /* Unbuffered: a hang or crash must not swallow what was printed. */
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return -1;
    tu_dir();
    return 0;
}

int tu_group_teardown(void **state)
{
    (void)state;
    CoUninitialize();
    return 0;
}

HRESULT tu_do_set_bstr(IDODownload *d, DODownloadProperty id, const WCHAR *s)
{
    VARIANT v;
    HRESULT hr;

    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString(s);
    hr = IDODownload_SetProperty(d, id, &v);
    VariantClear(&v);
    return hr;
}

HRESULT tu_do_set_ui4(IDODownload *d, DODownloadProperty id, ULONG n)
{
    VARIANT v;

    V_VT(&v) = VT_UI4;
    V_UI4(&v) = n;
    return IDODownload_SetProperty(d, id, &v);
}

HRESULT tu_do_set_bool(IDODownload *d, DODownloadProperty id, BOOL b)
{
    VARIANT v;

    V_VT(&v) = VT_BOOL;
    V_BOOL(&v) = b ? VARIANT_TRUE : VARIANT_FALSE;
    return IDODownload_SetProperty(d, id, &v);
}

void tu_policy_set(const WCHAR *name, const WCHAR *value)
{
    WCHAR var[128];

    swprintf(var, ARRAYSIZE(var), L"BITSDO_POLICY_%ls", name);
    SetEnvironmentVariableW(var, value);
}

void tu_policy_clear(const WCHAR *key, const WCHAR *const *names, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        tu_policy_set(names[i], NULL);
        RegDeleteKeyValueW(HKEY_LOCAL_MACHINE, key, names[i]);
    }
}

int tu_cancel_all_jobs(void **state)
{
    IBackgroundCopyManager *mgr = NULL;
    IEnumBackgroundCopyJobs *e = NULL;
    IBackgroundCopyJob *job;
    ULONG fetched, n = 0;

    (void)state;
    if (FAILED(CoCreateInstance(&CLSID_BitsdoPrivateManager, NULL, CLSCTX_INPROC_SERVER,
                                &IID_IBackgroundCopyManager, (void **)&mgr)))
        return 0;
    if (SUCCEEDED(IBackgroundCopyManager_EnumJobs(mgr, 0, &e))) {
        while (IEnumBackgroundCopyJobs_Next(e, 1, &job, &fetched) == S_OK) {
            if (SUCCEEDED(IBackgroundCopyJob_Cancel(job)))
                n++;
            IBackgroundCopyJob_Release(job);
        }
        IEnumBackgroundCopyJobs_Release(e);
    }
    IBackgroundCopyManager_Release(mgr);
    if (n)
        print_message("teardown: cancelled %lu job(s) the test left behind\n", n);
    return 0;
}

/* --- files and folders ---------------------------------------------------- */

typedef WCHAR *(CDECL *wine_get_dos_file_name_fn)(const char *);

BOOL tu_unix_to_dos(const char *unix_path, WCHAR *out, size_t cap)
{
    wine_get_dos_file_name_fn to_dos;
    WCHAR *dos;
    size_t i, len;

    if (!unix_path || !*unix_path || !cap)
        return FALSE;
    if (unix_path[0] != '/') {
        /* Already a Windows path. */
        return MultiByteToWideChar(CP_UTF8, 0, unix_path, -1, out, (int)cap) > 0;
    }
    to_dos = (wine_get_dos_file_name_fn)(void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"),
                                                               "wine_get_dos_file_name");
    if (to_dos && (dos = to_dos(unix_path))) {
        BOOL ok = wcslen(dos) < cap;
        if (ok)
            wcscpy(out, dos);
        HeapFree(GetProcessHeap(), 0, dos);
        return ok;
    }
    /* Wine's default mapping of the Unix root. */
    if (cap < 3 || !MultiByteToWideChar(CP_UTF8, 0, unix_path, -1, out + 2, (int)cap - 2))
        return FALSE;
    out[0] = L'Z';
    out[1] = L':';
    len = wcslen(out);
    for (i = 0; i < len; i++)
        if (out[i] == L'/')
            out[i] = L'\\';
    return TRUE;
}

BOOL tu_mkdirs(const WCHAR *dir)
{
    WCHAR buf[MAX_PATH];
    size_t i, len = wcslen(dir);
    DWORD attrs;

    if (len >= MAX_PATH)
        return FALSE;
    wcscpy(buf, dir);
    for (i = 3; i <= len; i++) {
        if (buf[i] != L'\\' && buf[i] != L'/' && buf[i] != 0)
            continue;
        WCHAR c = buf[i];
        buf[i] = 0;
        attrs = GetFileAttributesW(buf);
        if (attrs == INVALID_FILE_ATTRIBUTES && !CreateDirectoryW(buf, NULL) &&
            GetLastError() != ERROR_ALREADY_EXISTS)
            return FALSE;
        buf[i] = c;
    }
    attrs = GetFileAttributesW(dir);
    return attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY);
}

void tu_empty_dir(const WCHAR *dir)
{
    WIN32_FIND_DATAW fd;
    WCHAR pattern[MAX_PATH], path[MAX_PATH];
    HANDLE find;

    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    find = FindFirstFileW(pattern, &fd);
    if (find == INVALID_HANDLE_VALUE)
        return;
    do {
        if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
            continue;
        swprintf(path, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
        SetFileAttributesW(path, FILE_ATTRIBUTE_NORMAL);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            tu_empty_dir(path);
            RemoveDirectoryW(path);
        } else {
            DeleteFileW(path);
        }
    } while (FindNextFileW(find, &fd));
    FindClose(find);
}

const WCHAR *tu_dir(void)
{
    static WCHAR dir[MAX_PATH];
    WCHAR base[MAX_PATH], module[MAX_PATH], *name, *dot;
    const char *env;

    if (dir[0])
        return dir;
    env = getenv("BITSDO_TEST_DATA");
    if (!env || !tu_unix_to_dos(env, base, MAX_PATH)) {
        GetTempPathW(MAX_PATH, base);
        wcscat(base, L"bitsdo-tests");
    }
    while (wcslen(base) > 3 && (base[wcslen(base) - 1] == L'\\'))
        base[wcslen(base) - 1] = 0;
    GetModuleFileNameW(NULL, module, MAX_PATH);
    name = wcsrchr(module, L'\\');
    name = name ? name + 1 : module;
    if ((dot = wcsrchr(name, L'.')))
        *dot = 0;
    swprintf(dir, MAX_PATH, L"%ls\\%ls", base, name);
    if (!tu_mkdirs(dir)) {
        print_error("cannot create the test folder %ls (error %lu)\n", dir, GetLastError());
        dir[0] = 0;
        return L"";
    }
    tu_empty_dir(dir);
    return dir;
}

WCHAR *tu_path(WCHAR *out, size_t cap, const WCHAR *fmt, ...)
{
    WCHAR name[MAX_PATH];
    va_list args;

    va_start(args, fmt);
    vswprintf(name, MAX_PATH, fmt, args);
    va_end(args);
    swprintf(out, cap, L"%ls\\%ls", tu_dir(), name);
    return out;
}

/* The pattern: one 64-bit word per 8 bytes, a mix of the word index and
 * the seed (splitmix64), so every offset of every file differs. */
static UINT64 pattern_word(UINT64 index, DWORD seed)
{
    UINT64 z = index + (UINT64)seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#define PATTERN_CHUNK (4u * TU_MB)

static void fill_pattern(BYTE *buf, UINT64 offset, DWORD len, DWORD seed)
{
    /* offset is a multiple of 8 (chunks are). */
    UINT64 first = offset / 8;
    DWORD words = (len + 7) / 8, i;
    UINT64 w;

    for (i = 0; i < words; i++) {
        w = pattern_word(first + i, seed);
        if ((i + 1) * 8 <= len)
            memcpy(buf + i * 8, &w, 8);
        else
            memcpy(buf + i * 8, &w, len - i * 8);
    }
}

void tu_make_file(const WCHAR *path, UINT64 size, DWORD seed)
{
    HANDLE h;
    BYTE *buf;
    UINT64 offset = 0;
    DWORD len, written;

    h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        print_error("cannot create %ls (error %lu)\n", path, GetLastError());
        fail();
    }
    buf = malloc(PATTERN_CHUNK);
    assert_non_null(buf);
    while (offset < size) {
        len = size - offset < PATTERN_CHUNK ? (DWORD)(size - offset) : PATTERN_CHUNK;
        fill_pattern(buf, offset, len, seed);
        if (!WriteFile(h, buf, len, &written, NULL) || written != len) {
            print_error("cannot write %ls (error %lu)\n", path, GetLastError());
            free(buf);
            CloseHandle(h);
            fail();
        }
        offset += len;
    }
    free(buf);
    CloseHandle(h);
}

BOOL tu_check_pattern(const WCHAR *path, UINT64 size, DWORD seed)
{
    HANDLE h;
    BYTE *want, *got;
    UINT64 offset = 0;
    DWORD len, read;
    BOOL ok = TRUE;

    if (tu_file_size(path) != size)
        return FALSE;
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    want = malloc(PATTERN_CHUNK);
    got = malloc(PATTERN_CHUNK);
    while (ok && want && got && offset < size) {
        len = size - offset < PATTERN_CHUNK ? (DWORD)(size - offset) : PATTERN_CHUNK;
        fill_pattern(want, offset, len, seed);
        ok = ReadFile(h, got, len, &read, NULL) && read == len && !memcmp(want, got, len);
        offset += len;
    }
    ok = ok && want && got;
    free(want);
    free(got);
    CloseHandle(h);
    return ok;
}

BOOL tu_files_equal(const WCHAR *a, const WCHAR *b)
{
    HANDLE ha, hb;
    BYTE *ba, *bb;
    DWORD ra, rb;
    BOOL ok = TRUE;
    UINT64 size = tu_file_size(a);

    if (size == (UINT64)-1 || size != tu_file_size(b))
        return FALSE;
    ha = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    hb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ba = malloc(PATTERN_CHUNK);
    bb = malloc(PATTERN_CHUNK);
    if (ha == INVALID_HANDLE_VALUE || hb == INVALID_HANDLE_VALUE || !ba || !bb)
        ok = FALSE;
    while (ok) {
        if (!ReadFile(ha, ba, PATTERN_CHUNK, &ra, NULL) || !ReadFile(hb, bb, PATTERN_CHUNK, &rb, NULL) ||
            ra != rb || memcmp(ba, bb, ra)) {
            ok = FALSE;
            break;
        }
        if (!ra)
            break;
    }
    free(ba);
    free(bb);
    if (ha != INVALID_HANDLE_VALUE)
        CloseHandle(ha);
    if (hb != INVALID_HANDLE_VALUE)
        CloseHandle(hb);
    return ok;
}

UINT64 tu_file_size(const WCHAR *path)
{
    WIN32_FILE_ATTRIBUTE_DATA data;

    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &data))
        return (UINT64)-1;
    return ((UINT64)data.nFileSizeHigh << 32) | data.nFileSizeLow;
}

BOOL tu_exists(const WCHAR *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

int tu_count_temp_files(const WCHAR *dir)
{
    WIN32_FIND_DATAW fd;
    WCHAR pattern[MAX_PATH];
    HANDLE find;
    int n = 0;

    swprintf(pattern, MAX_PATH, L"%ls\\BIT*.tmp", dir);
    find = FindFirstFileW(pattern, &fd);
    if (find == INVALID_HANDLE_VALUE)
        return 0;
    do
        n++;
    while (FindNextFileW(find, &fd));
    FindClose(find);
    return n;
}

WCHAR *tu_file_url(WCHAR *out, size_t cap, const WCHAR *path)
{
    static const WCHAR hex[] = L"0123456789ABCDEF";
    size_t n;
    const WCHAR *p;

    wcscpy(out, L"file:///");
    n = wcslen(out);
    for (p = path; *p && n + 4 < cap; p++) {
        WCHAR c = *p;
        if (c == L'\\') {
            out[n++] = L'/';
        } else if ((c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') || (c >= L'0' && c <= L'9') ||
                   wcschr(L"-._~:/", c)) {
            out[n++] = c;
        } else if (c < 0x80) {
            out[n++] = L'%';
            out[n++] = hex[(c >> 4) & 15];
            out[n++] = hex[c & 15];
        } else {
            out[n++] = c; /* the tests use ASCII paths */
        }
    }
    out[n] = 0;
    return out;
}

/* --- time and waiting ----------------------------------------------------- */

ULONGLONG tu_ms(void)
{
    return GetTickCount64();
}

double tu_seconds(void)
{
    LARGE_INTEGER now, freq;

    QueryPerformanceCounter(&now);
    QueryPerformanceFrequency(&freq);
    return (double)now.QuadPart / (double)freq.QuadPart;
}

BOOL tu_wait_event(HANDLE event, DWORD timeout_ms)
{
    return WaitForSingleObject(event, timeout_ms) == WAIT_OBJECT_0;
}

BG_JOB_STATE tu_state(IBackgroundCopyJob *job)
{
    BG_JOB_STATE state = (BG_JOB_STATE)-1;

    assert_hr(S_OK, IBackgroundCopyJob_GetState(job, &state));
    return state;
}

const char *tu_state_name(BG_JOB_STATE state)
{
    static const char *const names[] = {
        "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
        "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED",
    };

    if ((unsigned)state < sizeof(names) / sizeof(names[0]))
        return names[state];
    return "(invalid state)";
}

static BOOL is_active(BG_JOB_STATE s)
{
    return s == BG_JOB_STATE_QUEUED || s == BG_JOB_STATE_CONNECTING || s == BG_JOB_STATE_TRANSFERRING;
}

/* States the job never leaves without a call from the client. */
static BOOL is_resting(BG_JOB_STATE s)
{
    return s == BG_JOB_STATE_ERROR || s == BG_JOB_STATE_TRANSFERRED || s == BG_JOB_STATE_ACKNOWLEDGED ||
           s == BG_JOB_STATE_CANCELLED || s == BG_JOB_STATE_SUSPENDED;
}

BOOL wait_for_state(IBackgroundCopyJob *job, BG_JOB_STATE state, DWORD timeout_ms)
{
    ULONGLONG deadline = tu_ms() + timeout_ms;
    BG_JOB_STATE now;

    for (;;) {
        now = tu_state(job);
        if (now == state)
            return TRUE;
        if (is_resting(now)) {
            print_message("wait_for_state: wanted %s, job rests in %s\n", tu_state_name(state),
                          tu_state_name(now));
            return FALSE;
        }
        if (tu_ms() >= deadline) {
            print_message("wait_for_state: wanted %s, still %s after %lu ms\n", tu_state_name(state),
                          tu_state_name(now), (unsigned long)timeout_ms);
            return FALSE;
        }
        Sleep(1); /* polling interval, bounded by the deadline */
    }
}

BG_JOB_STATE tu_wait_settled(IBackgroundCopyJob *job, DWORD timeout_ms)
{
    ULONGLONG deadline = tu_ms() + timeout_ms;
    BG_JOB_STATE now;

    for (;;) {
        now = tu_state(job);
        if (!is_active(now) || tu_ms() >= deadline)
            return now;
        Sleep(1);
    }
}

BOOL tu_wait_bytes(IBackgroundCopyJob *job, UINT64 bytes, DWORD timeout_ms)
{
    ULONGLONG deadline = tu_ms() + timeout_ms;
    BG_JOB_PROGRESS p;

    for (;;) {
        assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &p));
        if (p.BytesTransferred >= bytes)
            return TRUE;
        if (!is_active(tu_state(job)) || tu_ms() >= deadline)
            return FALSE;
        /* No sleep: the callers want to catch the transfer early. */
        SwitchToThread();
    }
}

BOOL tu_wait_until(BOOL (*pred)(void *ctx), void *ctx, DWORD timeout_ms)
{
    ULONGLONG deadline = tu_ms() + timeout_ms;

    for (;;) {
        if (pred(ctx))
            return TRUE;
        if (tu_ms() >= deadline)
            return FALSE;
        Sleep(1);
    }
}

/* --- files of a job ------------------------------------------------------- */

IBackgroundCopyFile *tu_job_file(IBackgroundCopyJob *job, ULONG index)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file = NULL;
    ULONG fetched = 0;

    assert_hr(S_OK, IBackgroundCopyJob_EnumFiles(job, &files));
    if (index)
        assert_hr(S_OK, IEnumBackgroundCopyFiles_Skip(files, index));
    assert_hr(S_OK, IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched));
    assert_int_equal(fetched, 1);
    IEnumBackgroundCopyFiles_Release(files);
    return file;
}

BG_JOB_PROGRESS tu_progress(IBackgroundCopyJob *job)
{
    BG_JOB_PROGRESS p;

    assert_hr(S_OK, IBackgroundCopyJob_GetProgress(job, &p));
    return p;
}

BG_FILE_PROGRESS tu_file_progress(IBackgroundCopyFile *file)
{
    BG_FILE_PROGRESS p;

    assert_hr(S_OK, IBackgroundCopyFile_GetProgress(file, &p));
    return p;
}
