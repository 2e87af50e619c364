/* The small client of issue 2's "done means": a plain program that uses
 * bitsdo.dll the way any BITS client would, through the registry.
 *
 *   CoCreateInstance -> CreateJob -> AddFile -> Resume
 *   -> poll GetProgress until TRANSFERRED -> Complete
 *
 * on a 100 MB local file, printing progress; exit code 0 only if the
 * destination is byte-for-byte the source.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "bitsdo.h"
#include "testutil.h" /* only for tu_dir(): where the test data goes */

#define SIZE (100ull * 1024 * 1024)
#define CHUNK (1024 * 1024)
#define DEADLINE_MS 180000

/* A byte pattern that differs at every offset. */
static void fill(unsigned char *buf, unsigned long long offset, DWORD len)
{
    DWORD i;

    for (i = 0; i < len; i++) {
        unsigned long long x = offset + i;
        buf[i] = (unsigned char)((x * 2654435761ull) >> 13 ^ (x >> 20));
    }
}

static BOOL make_source(const WCHAR *path)
{
    unsigned char *buf = malloc(CHUNK);
    unsigned long long off;
    DWORD written;
    BOOL ok = buf != NULL;
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);

    if (h == INVALID_HANDLE_VALUE)
        ok = FALSE;
    for (off = 0; ok && off < SIZE; off += CHUNK) {
        fill(buf, off, CHUNK);
        ok = WriteFile(h, buf, CHUNK, &written, NULL) && written == CHUNK;
    }
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    free(buf);
    return ok;
}

static BOOL same_files(const WCHAR *a, const WCHAR *b)
{
    unsigned char *ba = malloc(CHUNK), *bb = malloc(CHUNK);
    HANDLE ha = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE hb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD ra, rb;
    unsigned long long total = 0;
    BOOL ok = ba && bb && ha != INVALID_HANDLE_VALUE && hb != INVALID_HANDLE_VALUE;

    while (ok) {
        ok = ReadFile(ha, ba, CHUNK, &ra, NULL) && ReadFile(hb, bb, CHUNK, &rb, NULL) && ra == rb &&
             !memcmp(ba, bb, ra);
        if (!ok || !ra)
            break;
        total += ra;
    }
    ok = ok && total == SIZE;
    if (ha != INVALID_HANDLE_VALUE)
        CloseHandle(ha);
    if (hb != INVALID_HANDLE_VALUE)
        CloseHandle(hb);
    free(ba);
    free(bb);
    return ok;
}

static int run(void)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state = BG_JOB_STATE_SUSPENDED;
    WCHAR src[MAX_PATH], dst[MAX_PATH];
    ULONGLONG start, deadline;
    int last_percent = -1, percent;
    GUID id;
    HRESULT hr;

    swprintf(src, MAX_PATH, L"%ls\\source.bin", tu_dir());
    swprintf(dst, MAX_PATH, L"%ls\\destination.bin", tu_dir());
    DeleteFileW(dst);
    if (!make_source(src)) {
        printf("client_local: cannot write %ls\n", src);
        return 0;
    }

    hr = CoCreateInstance(&CLSID_BitsdoManager, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&mgr);
    if (FAILED(hr)) {
        printf("client_local: CoCreateInstance failed: 0x%08lx\n", (unsigned long)hr);
        return 0;
    }
    hr = IBackgroundCopyManager_CreateJob(mgr, L"client_local", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_AddFile(job, src, dst);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_Resume(job);
    if (FAILED(hr)) {
        printf("client_local: setting up the job failed: 0x%08lx\n", (unsigned long)hr);
        goto done;
    }

    start = GetTickCount64();
    deadline = start + DEADLINE_MS;
    for (;;) {
        hr = IBackgroundCopyJob_GetProgress(job, &progress);
        if (SUCCEEDED(hr))
            hr = IBackgroundCopyJob_GetState(job, &state);
        if (FAILED(hr)) {
            printf("client_local: GetProgress/GetState failed: 0x%08lx\n", (unsigned long)hr);
            goto done;
        }
        if (progress.BytesTotal != BG_SIZE_UNKNOWN && progress.BytesTotal) {
            percent = (int)(progress.BytesTransferred * 100 / progress.BytesTotal);
            if (percent / 10 != last_percent / 10 || state == BG_JOB_STATE_TRANSFERRED) {
                printf("client_local: %3d%%  %llu of %llu bytes  (%s)\n", percent,
                       (unsigned long long)progress.BytesTransferred, (unsigned long long)progress.BytesTotal,
                       state == BG_JOB_STATE_TRANSFERRED ? "transferred" : "transferring");
                last_percent = percent;
            }
        }
        if (state == BG_JOB_STATE_TRANSFERRED)
            break;
        if (state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_CANCELLED || GetTickCount64() > deadline) {
            printf("client_local: the job ended up in state %d\n", (int)state);
            IBackgroundCopyJob_Cancel(job);
            goto done;
        }
        Sleep(10); /* a client's polling interval */
    }
    printf("client_local: transferred in %llu ms\n", (unsigned long long)(GetTickCount64() - start));

    hr = IBackgroundCopyJob_Complete(job);
    if (hr != S_OK) {
        printf("client_local: Complete returned 0x%08lx\n", (unsigned long)hr);
        goto done;
    }
    if (!same_files(src, dst)) {
        printf("client_local: %ls differs from %ls\n", dst, src);
        goto done;
    }
    printf("client_local: %ls matches the source\n", dst);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    DeleteFileW(src);
    DeleteFileW(dst);
    return 1;

done:
    if (job)
        IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    return 0;
}

int main(void)
{
    int ok;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED))) {
        printf("client_local: 0 passed, 1 failed\n");
        return 1;
    }
    ok = run();
    CoUninitialize();
    printf("client_local: %d passed, %d failed\n", ok, !ok);
    return ok ? 0 : 1;
}
