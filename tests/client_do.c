/* A Delivery Optimization client written only against the DO-native
 * declarations (IDOManager, IDODownload, DODownloadProperty,
 * DO_DOWNLOAD_STATUS, DO_E_*): it downloads a file through IDOManager,
 * then a set of ranges of it (DO_DOWNLOAD_RANGES_INFO, one running to the
 * end with DO_LENGTH_TO_EOF), printing the status as it goes, and checks
 * the results (ranges land at their own offsets of the local file).
 *
 * Usage: client_do [source-url local-path]. Without arguments it makes its
 * own source file in %BITSDO_TEST_DATA% (or %TEMP%) and downloads it from a
 * file:// URL; http(s) URLs work the same way once the HTTP transport is in.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include "bitsdo.h"

#define SOURCE_SIZE (8u * 1024u * 1024u + 123u)
#define WAIT_MS 60000

static const char *state_name(DODownloadState s)
{
    static const char *names[] = {"Created", "Transferring", "Transferred",
                                  "Finalized", "Aborted", "Paused"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static HRESULT set_string(IDODownload *d, DODownloadProperty id, const WCHAR *s)
{
    VARIANT v;
    HRESULT hr;

    V_VT(&v) = VT_BSTR;
    if (!(V_BSTR(&v) = SysAllocString(s)))
        return E_OUTOFMEMORY;
    hr = IDODownload_SetProperty(d, id, &v);
    VariantClear(&v);
    return hr;
}

static void print_status(const char *when, const DO_DOWNLOAD_STATUS *s)
{
    printf("client_do: %-10s state=%-12s %llu/%llu bytes error=0x%08lx\n", when,
           state_name(s->State), (unsigned long long)s->BytesTransferred,
           (unsigned long long)s->BytesTotal, (unsigned long)s->Error);
}

/* Makes the default source: a file with a known pattern. */
static BOOL make_source(WCHAR *dir, size_t cap, WCHAR *src, WCHAR *url, WCHAR *local)
{
    DWORD len = GetEnvironmentVariableW(L"BITSDO_TEST_DATA", dir, (DWORD)cap);
    HANDLE h;
    unsigned char *buf;
    DWORD written;
    unsigned i;
    WCHAR *p;
    BOOL ok;

    if (!len || len >= cap)
        len = GetTempPathW((DWORD)cap, dir);
    if (!len || len >= cap - 32)
        return FALSE;
    if (dir[len - 1] == L'\\' || dir[len - 1] == L'/')
        dir[len - 1] = 0;
    /* A Unix path from the environment: Wine maps / to Z:. */
    if (dir[0] == L'/') {
        memmove(dir + 2, dir, (wcslen(dir) + 1) * sizeof(WCHAR));
        dir[0] = L'Z';
        dir[1] = L':';
    }
    for (p = dir; *p; p++)
        if (*p == L'/')
            *p = L'\\';
    wcscat(dir, L"\\client_do");
    for (p = dir + 3; *p; p++) {
        if (*p == L'\\') {
            *p = 0;
            CreateDirectoryW(dir, NULL);
            *p = L'\\';
        }
    }
    CreateDirectoryW(dir, NULL);
    swprintf(src, MAX_PATH, L"%ls\\source.bin", dir);
    swprintf(local, MAX_PATH, L"%ls\\downloaded.bin", dir);
    DeleteFileW(local);
    swprintf(url, MAX_PATH * 2, L"file:///%ls", src);
    for (p = url; *p; p++)
        if (*p == L'\\')
            *p = L'/';

    h = CreateFileW(src, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE || !(buf = malloc(SOURCE_SIZE))) {
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
        return FALSE;
    }
    for (i = 0; i < SOURCE_SIZE; i++)
        buf[i] = (unsigned char)(i * 31u + (i >> 12));
    ok = WriteFile(h, buf, SOURCE_SIZE, &written, NULL) && written == SOURCE_SIZE;
    CloseHandle(h);
    free(buf);
    return ok;
}

static BOOL same_files(const WCHAR *a, const WCHAR *b)
{
    HANDLE ha, hb;
    static unsigned char ba[65536], bb[65536];
    DWORD na, nb;
    BOOL same = TRUE;

    ha = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    hb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (ha == INVALID_HANDLE_VALUE || hb == INVALID_HANDLE_VALUE)
        same = FALSE;
    while (same) {
        if (!ReadFile(ha, ba, sizeof(ba), &na, NULL) || !ReadFile(hb, bb, sizeof(bb), &nb, NULL) ||
            na != nb || memcmp(ba, bb, na))
            same = FALSE;
        else if (!na)
            break;
    }
    if (ha != INVALID_HANDLE_VALUE)
        CloseHandle(ha);
    if (hb != INVALID_HANDLE_VALUE)
        CloseHandle(hb);
    return same;
}

/* Two ranges, the second to the end of the file. */
static const struct {
    UINT RangeCount;
    DO_DOWNLOAD_RANGE Ranges[2];
} two_ranges = {2, {{100, 1000}, {SOURCE_SIZE - 500, DO_LENGTH_TO_EOF}}};
#define RANGES_BYTES 1500u

static unsigned char *read_file(const WCHAR *path, DWORD *size)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    unsigned char *buf = NULL;
    DWORD got;

    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    *size = GetFileSize(h, NULL);
    if (*size != INVALID_FILE_SIZE && (buf = malloc(*size + 1)) &&
        (!ReadFile(h, buf, *size, &got, NULL) || got != *size)) {
        free(buf);
        buf = NULL;
    }
    CloseHandle(h);
    return buf;
}

/* A new local file with the ranges at their offsets: source bytes inside
 * them, zeros between, ending where the last range ends. */
static BOOL ranges_right(const WCHAR *src, const WCHAR *local)
{
    DWORD ns = 0, nl = 0, i;
    unsigned char *a = read_file(src, &ns), *b = read_file(local, &nl);
    BOOL ok = a && b && ns == SOURCE_SIZE && nl == SOURCE_SIZE;

    for (i = 0; ok && i < nl; i++) {
        BOOL inside = (i >= 100 && i < 1100) || i >= SOURCE_SIZE - 500;
        ok = b[i] == (inside ? a[i] : 0);
    }
    free(a);
    free(b);
    return ok;
}

static int run(const WCHAR *url, const WCHAR *local, const WCHAR *src,
               const DO_DOWNLOAD_RANGES_INFO *ranges)
{
    IDOManager *mgr = NULL;
    IDODownload *d = NULL;
    DO_DOWNLOAD_STATUS s;
    ULONGLONG deadline;
    HRESULT hr;
    int ok = 0;

    hr = CoCreateInstance(&CLSID_BitsdoDeliveryOptimization, NULL, CLSCTX_INPROC_SERVER,
                          &IID_IDOManager, (void **)&mgr);
    if (FAILED(hr)) {
        printf("client_do: CoCreateInstance failed: 0x%08lx\n", (unsigned long)hr);
        return 0;
    }
    if (FAILED(hr = IDOManager_CreateDownload(mgr, &d)) ||
        FAILED(hr = set_string(d, DODownloadProperty_Uri, url)) ||
        FAILED(hr = set_string(d, DODownloadProperty_LocalPath, local)) ||
        FAILED(hr = set_string(d, DODownloadProperty_DisplayName, L"client_do"))) {
        printf("client_do: setting up the download failed: 0x%08lx\n", (unsigned long)hr);
        goto done;
    }
    IDODownload_GetStatus(d, &s);
    print_status("created", &s);
    if (FAILED(hr = IDODownload_Start(d, ranges))) {
        printf("client_do: Start failed: 0x%08lx\n", (unsigned long)hr);
        goto done;
    }
    deadline = GetTickCount64() + WAIT_MS;
    for (;;) {
        IDODownload_GetStatus(d, &s);
        if (s.State != DODownloadState_Transferring || GetTickCount64() > deadline)
            break;
        print_status("polling", &s);
        Sleep(50); /* a client's polling interval, not synchronisation */
    }
    print_status("settled", &s);
    if (s.State != DODownloadState_Transferred) {
        printf("client_do: the download did not complete\n");
        IDODownload_Abort(d);
        goto done;
    }
    if (FAILED(hr = IDODownload_Finalize(d))) {
        printf("client_do: Finalize failed: 0x%08lx\n", (unsigned long)hr);
        goto done;
    }
    IDODownload_GetStatus(d, &s);
    print_status("finalized", &s);
    ok = s.State == DODownloadState_Finalized &&
         IDODownload_Start(d, NULL) == DO_E_INVALID_STATE &&
         (!ranges || (s.BytesTotal == RANGES_BYTES && s.BytesTransferred == RANGES_BYTES)) &&
         (!src || (ranges ? ranges_right(src, local) : same_files(src, local)));
    if (!ok)
        printf("client_do: the result is wrong\n");
done:
    if (d)
        IDODownload_Release(d);
    IDOManager_Release(mgr);
    return ok;
}

int main(int argc, char **argv)
{
    WCHAR dir[MAX_PATH], src[MAX_PATH], url[MAX_PATH * 2], local[MAX_PATH];
    int ok;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (argc == 3) {
        MultiByteToWideChar(CP_ACP, 0, argv[1], -1, url, ARRAYSIZE(url));
        MultiByteToWideChar(CP_ACP, 0, argv[2], -1, local, ARRAYSIZE(local));
        ok = run(url, local, NULL, NULL);
    } else if (make_source(dir, ARRAYSIZE(dir), src, url, local)) {
        ok = run(url, local, src, NULL);
        if (ok) {
            swprintf(local, MAX_PATH, L"%ls\\ranges.bin", dir);
            DeleteFileW(local);
            printf("client_do: now two ranges of it\n");
            ok = run(url, local, src, (const DO_DOWNLOAD_RANGES_INFO *)&two_ranges);
        }
    } else {
        printf("client_do: cannot make the source file\n");
        ok = 0;
    }
    CoUninitialize();
    printf("client_do: %d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
    return ok ? 0 : 1;
}
