/* A BITS 1.0 client written against <qmgr.h> alone, the way a Windows
 * XP-era program uses the queue manager: create a group, give it a job with
 * a file, resume it, poll the percent done until the group is complete,
 * then take the group out of the queue. It makes the file itself and checks
 * the copy byte for byte.
 *
 * Where it comes from: over HTTP from the test nginx when the ctest
 * fixtures started it (BITSDO_HTTP_SERVERS names their folder, see
 * tests/http_util.h: nginx/http_port and the served nginx/www), otherwise
 * the local file itself.
 *
 * The only thing it knows of bitsdo is the CLSID it activates (bitsdo
 * serves IBackgroundCopyQMgr under its own class by default). With
 * "system local" or "system all" it activates Windows' own
 * CLSID_BackgroundCopyQMgr instead, with CLSCTX_LOCAL_SERVER or CLSCTX_ALL
 * (what bitsdo serves after regsvr32 /i:takeover).
 *
 * SPDX-License-Identifier: MIT
 */
#include <windows.h>
#include <objbase.h>
#include <oleauto.h>
#include <qmgr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CLSID_BitsdoQMgr {9C790F3A-230E-4096-875C-3346141F4774} */
static const CLSID clsid_bitsdo_qmgr = {0x9c790f3a, 0x230e, 0x4096, {0x87, 0x5c, 0x33, 0x46, 0x14, 0x1f, 0x47, 0x74}};
/* CLSID_BackgroundCopyQMgr: <qmgr.h> declares it, no library defines it. */
static const CLSID clsid_system_qmgr = {0x69ad4aee, 0x51be, 0x439b, {0xa9, 0x2c, 0x86, 0xae, 0x49, 0x0e, 0x8b, 0x30}};
static const CLSID *clsid_qmgr = &clsid_bitsdo_qmgr;
static DWORD qmgr_context = CLSCTX_INPROC_SERVER;

#define FILE_SIZE (24u * 1024 * 1024)
#define DEADLINE_MS 120000

static int failed(const char *what, HRESULT hr)
{
    printf("client_qmgr: %s failed: 0x%08lx\n", what, (unsigned long)hr);
    return 0;
}

static BOOL make_source(const WCHAR *path)
{
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    static BYTE buf[65536];
    DWORD i, done, written;
    BOOL ok = h != INVALID_HANDLE_VALUE;

    for (done = 0; ok && done < FILE_SIZE; done += sizeof(buf)) {
        for (i = 0; i < sizeof(buf); i++)
            buf[i] = (BYTE)((done + i) * 7 + (done + i) / 251);
        ok = WriteFile(h, buf, sizeof(buf), &written, NULL) && written == sizeof(buf);
    }
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    return ok;
}

static BOOL same_content(const WCHAR *a, const WCHAR *b)
{
    static BYTE ba[65536], bb[65536];
    HANDLE ha, hb;
    DWORD na, nb;
    BOOL same = TRUE;

    ha = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    hb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (ha == INVALID_HANDLE_VALUE || hb == INVALID_HANDLE_VALUE)
        same = FALSE;
    while (same) {
        if (!ReadFile(ha, ba, sizeof(ba), &na, NULL) || !ReadFile(hb, bb, sizeof(bb), &nb, NULL) ||
            na != nb || memcmp(ba, bb, na)) {
            same = FALSE;
            break;
        }
        if (!na)
            break;
    }
    if (ha != INVALID_HANDLE_VALUE)
        CloseHandle(ha);
    if (hb != INVALID_HANDLE_VALUE)
        CloseHandle(hb);
    return same;
}

/* A Unix path as Wine sees it (Z: is the Unix root when the helper is not
 * there). */
typedef WCHAR *(CDECL *to_dos_fn)(const char *);

static BOOL unix_to_dos(const char *path, WCHAR *out, size_t cap)
{
    to_dos_fn to_dos = (to_dos_fn)(void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"),
                                                         "wine_get_dos_file_name");
    WCHAR *dos;
    size_t i;
    BOOL ok;

    if (to_dos && (dos = to_dos(path))) {
        ok = wcslen(dos) < cap;
        if (ok)
            wcscpy(out, dos);
        HeapFree(GetProcessHeap(), 0, dos);
        return ok;
    }
    if (cap < 3 || !MultiByteToWideChar(CP_UTF8, 0, path, -1, out + 2, (int)cap - 2))
        return FALSE;
    out[0] = L'Z';
    out[1] = L':';
    for (i = 2; out[i]; i++)
        if (out[i] == L'/')
            out[i] = L'\\';
    return TRUE;
}

/* With the test servers up: the source goes into nginx's folder and `url`
 * is where nginx serves it. FALSE when they are not (or not readable). */
static BOOL http_source(WCHAR *src, WCHAR *url, size_t cap)
{
    const char *servers = getenv("BITSDO_HTTP_SERVERS");
    char path[1024], text[32] = {0};
    WCHAR dos[MAX_PATH];
    HANDLE h;
    DWORD got = 0;
    unsigned port;

    if (!servers)
        return FALSE;
    snprintf(path, sizeof(path), "%s/nginx/http_port", servers);
    if (!unix_to_dos(path, dos, MAX_PATH))
        return FALSE;
    h = CreateFileW(dos, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    ReadFile(h, text, sizeof(text) - 1, &got, NULL);
    CloseHandle(h);
    if (!(port = (unsigned)atoi(text)))
        return FALSE;
    snprintf(path, sizeof(path), "%s/nginx/www", servers);
    if (!unix_to_dos(path, dos, MAX_PATH))
        return FALSE;
    swprintf(src, MAX_PATH, L"%ls\\client_qmgr-%lu.bin", dos, GetCurrentProcessId());
    swprintf(url, cap, L"http://127.0.0.1:%u/client_qmgr-%lu.bin", port, GetCurrentProcessId());
    return TRUE;
}

/* Downloads `remote` (a URL or `src` itself) to `dst`; checks it equals `src`. */
static int run(const WCHAR *remote, const WCHAR *src, const WCHAR *dst)
{
    IBackgroundCopyQMgr *qmgr = NULL;
    IBackgroundCopyGroup *group = NULL;
    IBackgroundCopyJob1 *job = NULL;
    FILESETINFO info, *files[1] = {&info};
    DWORD status = 0, index, percent, last = (DWORD)-1, bytes = 0;
    GUID group_id, job_id;
    ULONGLONG end;
    HRESULT hr;
    int ok = 0;

    if (FAILED(hr = CoCreateInstance(clsid_qmgr, NULL, qmgr_context, &IID_IBackgroundCopyQMgr,
                                     (void **)&qmgr)))
        return failed("CoCreateInstance", hr);
    CoCreateGuid(&group_id);
    CoCreateGuid(&job_id);
    if (FAILED(hr = IBackgroundCopyQMgr_CreateGroup(qmgr, group_id, &group))) {
        failed("CreateGroup", hr);
        goto done;
    }
    if (FAILED(hr = IBackgroundCopyGroup_CreateJob(group, job_id, &job))) {
        failed("CreateJob", hr);
        goto done;
    }
    info.bstrRemoteFile = SysAllocString(remote);
    info.bstrLocalFile = SysAllocString(dst);
    info.dwSizeHint = FILE_SIZE;
    hr = IBackgroundCopyJob1_AddFiles(job, 1, files);
    SysFreeString(info.bstrRemoteFile);
    SysFreeString(info.bstrLocalFile);
    if (FAILED(hr)) {
        failed("AddFiles", hr);
        goto done;
    }
    if (FAILED(hr = IBackgroundCopyGroup_ResumeGroup(group))) {
        failed("ResumeGroup", hr);
        goto done;
    }

    end = GetTickCount64() + DEADLINE_MS;
    for (;;) {
        /* Percent first, then the status: 100 percent is reported only once
         * the group is complete, so a status read after it must say so (the
         * other order races with the completion, across processes). */
        if (FAILED(hr = IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_PERCENT_DONE, &percent))) {
            failed("GetProgress", hr);
            goto done;
        }
        if (FAILED(hr = IBackgroundCopyGroup_GetStatus(group, &status, &index))) {
            failed("GetStatus", hr);
            goto done;
        }
        if (percent != last) {
            printf("client_qmgr: %3lu%%\n", (unsigned long)percent);
            if (percent > 100 || (last != (DWORD)-1 && percent < last) ||
                (percent == 100 && !(status & QM_STATUS_GROUP_COMPLETE))) {
                printf("client_qmgr: bad percent %lu after %lu\n", (unsigned long)percent,
                       (unsigned long)last);
                goto done;
            }
            last = percent;
        }
        if (status & (QM_STATUS_GROUP_COMPLETE | QM_STATUS_GROUP_ERROR))
            break;
        if (GetTickCount64() > end) {
            printf("client_qmgr: no completion within %u s (status 0x%lx)\n", DEADLINE_MS / 1000,
                   (unsigned long)status);
            goto done;
        }
        Sleep(5); /* a polling client's pace */
    }
    if (status & QM_STATUS_GROUP_ERROR) {
        DWORD win32, transport, retries;
        IBackgroundCopyJob1_GetStatus(job, &status, &win32, &transport, &retries);
        printf("client_qmgr: the group failed: win32 %lu, transport %lu\n", (unsigned long)win32,
               (unsigned long)transport);
        goto done;
    }
    /* The group completes itself: the file is in place now. */
    IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_PERCENT_DONE, &percent);
    IBackgroundCopyJob1_GetProgress(job, QM_PROGRESS_SIZE_DONE, &bytes);
    if (percent < last || percent != 100 || bytes != FILE_SIZE) {
        printf("client_qmgr: complete at %lu%% with %lu bytes\n", (unsigned long)percent,
               (unsigned long)bytes);
        goto done;
    }
    if (!same_content(src, dst)) {
        printf("client_qmgr: the downloaded file differs from the source\n");
        goto done;
    }
    printf("client_qmgr: downloaded %lu bytes\n", (unsigned long)bytes);
    ok = 1;

done:
    if (group)
        IBackgroundCopyGroup_CancelGroup(group); /* out of the queue; the file stays */
    if (job)
        IBackgroundCopyJob1_Release(job);
    if (group)
        IBackgroundCopyGroup_Release(group);
    if (qmgr)
        IBackgroundCopyQMgr_Release(qmgr);
    return ok;
}

int main(int argc, char **argv)
{
    WCHAR dir[MAX_PATH], src[MAX_PATH], dst[MAX_PATH], url[512];
    const WCHAR *remote = src;
    int ok;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 3 && !strcmp(argv[1], "system")) {
        clsid_qmgr = &clsid_system_qmgr;
        qmgr_context = !strcmp(argv[2], "local") ? CLSCTX_LOCAL_SERVER : CLSCTX_ALL;
        printf("client_qmgr: CLSID_BackgroundCopyQMgr, %s\n", argv[2]);
    }
    if (!GetTempPathW(MAX_PATH - 40, dir))
        return 1;
    wcscat(dir, L"client_qmgr");
    CreateDirectoryW(dir, NULL);
    swprintf(src, MAX_PATH, L"%ls\\source.bin", dir);
    swprintf(dst, MAX_PATH, L"%ls\\download.bin", dir);
    if (http_source(src, url, ARRAYSIZE(url)))
        remote = url;
    DeleteFileW(dst);
    if (!make_source(src)) {
        printf("client_qmgr: cannot write %ls\n", src);
        return 1;
    }
    if (FAILED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED)))
        return 1;
    printf("client_qmgr: downloading %ls\n", remote);
    ok = run(remote, src, dst);
    CoUninitialize();
    DeleteFileW(src);
    DeleteFileW(dst);
    RemoveDirectoryW(dir);
    printf("client_qmgr: %d passed, %d failed\n", ok, !ok);
    return ok ? 0 : 1;
}
