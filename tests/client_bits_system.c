/* An unmodified BITS client: written against MinGW-w64's <bits.h> ..
 * <bits5_0.h> alone, it knows nothing of bitsdo and creates Windows' own
 * classes: CLSID_BackgroundCopyManager and every versioned one. The
 * versions MinGW-w64 does not declare (4.0, 5.0's CLSID, 10.1-10.3) are
 * declared here as the SDK's bits4_0.h .. bits10_3.h do (same names and
 * GUIDs as Microsoft's documentation).
 *
 * It tells which implementation answered by what only bitsdo has here:
 * the job answers IBackgroundCopyJob5 and its GetProperty gives the cost
 * flags (Wine 8's BITS has no IBackgroundCopyJob5).
 *
 * usage (paths are Windows paths; url is served with the content of source):
 *   client_bits_system matrix URL SOURCE DIR   every CLSID x {LOCAL_SERVER, ALL}:
 *                                              activation, interfaces, a transfer
 *   client_bits_system one URL SOURCE DIR      CLSID_BackgroundCopyManager,
 *                                              LOCAL_SERVER, one transfer
 *   client_bits_system create URL DIR          a job (not resumed) through
 *                                              CLSID_BackgroundCopyManager; its id
 *                                              goes to DIR\job.txt; then exits
 *   client_bits_system find SOURCE DIR         GetJob of that id (CLSCTX_ALL),
 *                                              resume, wait, complete, compare
 * Exit code: 0 every transfer done by bitsdo; 3 done, by another BITS
 * (Wine's); 1 something failed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <windows.h>
#include <objbase.h>
#include <initguid.h> /* the GUIDs of the headers below are defined here */
#include <bits.h>
#include <bits1_5.h>
#include <bits2_0.h>
#include <bits2_5.h>
#include <bits3_0.h>
#include <bits5_0.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

/* The SDK's bits4_0.h, bits5_0.h, bits10_1.h, bits10_2.h, bits10_3.h. */
DEFINE_GUID(CLSID_BackgroundCopyManager4_0, 0xbb6df56b, 0xcace, 0x11dc, 0x99, 0x92, 0x00, 0x19, 0xb9, 0x3a, 0x3a, 0x84);
DEFINE_GUID(CLSID_BackgroundCopyManager5_0, 0x1ecca34c, 0xe88a, 0x44e3, 0x8d, 0x6a, 0x89, 0x21, 0xbd, 0xe9, 0xe4, 0x52);
DEFINE_GUID(CLSID_BackgroundCopyManager10_1, 0x4bd3e4e1, 0x7bd4, 0x4a2b, 0x99, 0x64, 0x49, 0x64, 0x00, 0xde, 0x51, 0x93);
DEFINE_GUID(CLSID_BackgroundCopyManager10_2, 0x4575438f, 0xa6c8, 0x4976, 0xb0, 0xfe, 0x2f, 0x26, 0xb8, 0x0d, 0x95, 0x9e);
DEFINE_GUID(CLSID_BackgroundCopyManager10_3, 0x5fd42ad5, 0xc04e, 0x4d36, 0xad, 0xc7, 0xe0, 0x8f, 0xf1, 0x57, 0x37, 0xad);

#define WAIT_MS 120000

static const struct {
    const CLSID *clsid;
    const char *name;
} classes[] = {
    {&CLSID_BackgroundCopyManager, "BackgroundCopyManager"},
    {&CLSID_BackgroundCopyManager1_5, "BackgroundCopyManager1_5"},
    {&CLSID_BackgroundCopyManager2_0, "BackgroundCopyManager2_0"},
    {&CLSID_BackgroundCopyManager2_5, "BackgroundCopyManager2_5"},
    {&CLSID_BackgroundCopyManager3_0, "BackgroundCopyManager3_0"},
    {&CLSID_BackgroundCopyManager4_0, "BackgroundCopyManager4_0"},
    {&CLSID_BackgroundCopyManager5_0, "BackgroundCopyManager5_0"},
    {&CLSID_BackgroundCopyManager10_1, "BackgroundCopyManager10_1"},
    {&CLSID_BackgroundCopyManager10_2, "BackgroundCopyManager10_2"},
    {&CLSID_BackgroundCopyManager10_3, "BackgroundCopyManager10_3"},
};

enum { IMPL_FAILED, IMPL_BITSDO, IMPL_OTHER };

static BOOL same_files(const WCHAR *a, const WCHAR *b)
{
    static unsigned char ba[65536], bb[65536];
    HANDLE ha = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE hb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD na, nb;
    BOOL same = ha != INVALID_HANDLE_VALUE && hb != INVALID_HANDLE_VALUE;

    while (same) {
        if (!ReadFile(ha, ba, sizeof(ba), &na, NULL) || !ReadFile(hb, bb, sizeof(bb), &nb, NULL) || na != nb ||
            memcmp(ba, bb, na))
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

/* Which interfaces the job answers, printed; TRUE if it is bitsdo's (Job5
 * with the cost flags property). */
static BOOL job_is_bitsdo(IBackgroundCopyJob *job)
{
    static const struct {
        const IID *iid;
        const char *name;
    } iids[] = {
        {&IID_IBackgroundCopyJob2, "Job2"},
        {&IID_IBackgroundCopyJob3, "Job3"},
        {&IID_IBackgroundCopyJob4, "Job4"},
        {&IID_IBackgroundCopyJob5, "Job5"},
        {&IID_IBackgroundCopyJobHttpOptions, "HttpOptions"},
    };
    IBackgroundCopyJob5 *job5 = NULL;
    BITS_JOB_PROPERTY_VALUE value;
    IUnknown *unk;
    BOOL ours = FALSE;
    size_t i;

    printf("   job answers:");
    for (i = 0; i < ARRAYSIZE(iids); i++) {
        if (SUCCEEDED(IBackgroundCopyJob_QueryInterface(job, iids[i].iid, (void **)&unk))) {
            printf(" %s", iids[i].name);
            IUnknown_Release(unk);
        }
    }
    printf("\n");
    if (SUCCEEDED(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&job5))) {
        ours = SUCCEEDED(IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &value));
        IBackgroundCopyJob5_Release(job5);
    }
    return ours;
}

/* Resumes (if asked), waits for TRANSFERRED, completes, compares. */
static BOOL finish(IBackgroundCopyJob *job, const WCHAR *source, const WCHAR *local)
{
    ULONGLONG deadline = GetTickCount64() + WAIT_MS;
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_Resume(job))) {
        printf("   Resume: 0x%08lx\n", (unsigned long)hr);
        return FALSE;
    }
    /* What a BITS client without callbacks does: poll the state. */
    while (GetTickCount64() < deadline) {
        if (FAILED(hr = IBackgroundCopyJob_GetState(job, &state)))
            break;
        if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR)
            break;
        Sleep(100);
    }
    if (state != BG_JOB_STATE_TRANSFERRED) {
        printf("   state %d (hr 0x%08lx)\n", state, (unsigned long)hr);
        IBackgroundCopyJob_Cancel(job);
        return FALSE;
    }
    if (FAILED(hr = IBackgroundCopyJob_Complete(job))) {
        printf("   Complete: 0x%08lx\n", (unsigned long)hr);
        return FALSE;
    }
    if (!same_files(source, local)) {
        printf("   %ls differs from %ls\n", local, source);
        return FALSE;
    }
    DeleteFileW(local);
    return TRUE;
}

/* One class in one context: activation, interfaces, a transfer. */
static int transfer(const CLSID *clsid, const char *name, DWORD ctx, const WCHAR *url, const WCHAR *source,
                    const WCHAR *dir, int n)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    IUnknown *unk = NULL;
    WCHAR local[MAX_PATH], display[64];
    GUID id;
    HRESULT hr;
    BOOL ours;
    int result = IMPL_FAILED;

    printf("%s %s:\n", name, ctx == CLSCTX_LOCAL_SERVER ? "CLSCTX_LOCAL_SERVER" : "CLSCTX_ALL");
    if (FAILED(hr = CoCreateInstance(clsid, NULL, ctx, &IID_IBackgroundCopyManager, (void **)&mgr))) {
        printf("   CoCreateInstance: 0x%08lx\n", (unsigned long)hr);
        return IMPL_FAILED;
    }
    hr = IBackgroundCopyManager_QueryInterface(mgr, &IID_IUnknown, (void **)&unk);
    if (SUCCEEDED(hr))
        IUnknown_Release(unk);
    printf("   manager answers IBackgroundCopyManager, IUnknown: 0x%08lx\n", (unsigned long)hr);
    /* For the record only: no BITS client we know of needs the manager's
     * blanket (a plain proxy under Wine answers E_NOTIMPL). */
    if (ctx == CLSCTX_LOCAL_SERVER && n < 2)
        printf("   CoSetProxyBlanket(manager): 0x%08lx\n",
               (unsigned long)CoSetProxyBlanket((IUnknown *)mgr, RPC_C_AUTHN_DEFAULT, RPC_C_AUTHZ_NONE,
                                                COLE_DEFAULT_PRINCIPAL, RPC_C_AUTHN_LEVEL_DEFAULT,
                                                RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_DEFAULT));
    swprintf(local, ARRAYSIZE(local), L"%ls\\system-%d.bin", dir, n);
    swprintf(display, ARRAYSIZE(display), L"client_bits_system %d", n);
    DeleteFileW(local);
    if (FAILED(hr = IBackgroundCopyManager_CreateJob(mgr, display, BG_JOB_TYPE_DOWNLOAD, &id, &job))) {
        printf("   CreateJob: 0x%08lx\n", (unsigned long)hr);
    } else if (FAILED(hr = IBackgroundCopyJob_AddFile(job, url, local))) {
        printf("   AddFile: 0x%08lx\n", (unsigned long)hr);
        IBackgroundCopyJob_Cancel(job);
    } else {
        ours = job_is_bitsdo(job);
        if (finish(job, source, local))
            result = ours ? IMPL_BITSDO : IMPL_OTHER;
        printf("   transfer %s, implementation: %s\n", result ? "done" : "FAILED", ours ? "bitsdo" : "other");
    }
    if (job)
        IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    return result;
}

static BOOL job_file(const WCHAR *dir, WCHAR *path)
{
    return swprintf(path, MAX_PATH, L"%ls\\job.txt", dir) > 0;
}

static int create(const WCHAR *url, const WCHAR *dir)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    WCHAR local[MAX_PATH], path[MAX_PATH], text[40];
    HANDLE h;
    DWORD written;
    char line[40];
    GUID id;
    HRESULT hr;
    BOOL ok = FALSE;

    swprintf(local, ARRAYSIZE(local), L"%ls\\cross.bin", dir);
    DeleteFileW(local);
    if (FAILED(hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                                     &IID_IBackgroundCopyManager, (void **)&mgr))) {
        printf("CoCreateInstance: 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    if (SUCCEEDED(hr = IBackgroundCopyManager_CreateJob(mgr, L"client_bits_system cross-process",
                                                        BG_JOB_TYPE_DOWNLOAD, &id, &job)) &&
        SUCCEEDED(hr = IBackgroundCopyJob_AddFile(job, url, local))) {
        StringFromGUID2(&id, text, ARRAYSIZE(text));
        WideCharToMultiByte(CP_ACP, 0, text, -1, line, sizeof(line), NULL, NULL);
        job_file(dir, path);
        h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        ok = h != INVALID_HANDLE_VALUE && WriteFile(h, line, (DWORD)strlen(line), &written, NULL);
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
        printf("created job %s (suspended), exiting\n", line);
    } else {
        printf("CreateJob/AddFile: 0x%08lx\n", (unsigned long)hr);
    }
    if (job)
        IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(mgr);
    return ok ? 0 : 1;
}

static int find(const WCHAR *source, const WCHAR *dir)
{
    IBackgroundCopyManager *mgr = NULL;
    IBackgroundCopyJob *job = NULL;
    WCHAR local[MAX_PATH], path[MAX_PATH], text[40];
    char line[40] = {0};
    HANDLE h;
    DWORD got = 0;
    GUID id;
    HRESULT hr;
    int result = 1;

    swprintf(local, ARRAYSIZE(local), L"%ls\\cross.bin", dir);
    job_file(dir, path);
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE || !ReadFile(h, line, sizeof(line) - 1, &got, NULL))
        return 1;
    CloseHandle(h);
    MultiByteToWideChar(CP_ACP, 0, line, -1, text, ARRAYSIZE(text));
    if (FAILED(CLSIDFromString(text, &id)))
        return 1;
    /* The other door (in-process activation, bitsdo.dll's connector) to
     * the same per-user jobs. */
    if (FAILED(hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_ALL,
                                     &IID_IBackgroundCopyManager, (void **)&mgr))) {
        printf("CoCreateInstance: 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    if (FAILED(hr = IBackgroundCopyManager_GetJob(mgr, &id, &job))) {
        printf("GetJob %s: 0x%08lx\n", line, (unsigned long)hr);
    } else {
        printf("found job %s\n", line);
        if (finish(job, source, local))
            result = job_is_bitsdo(job) ? 0 : 3;
        IBackgroundCopyJob_Release(job);
    }
    IBackgroundCopyManager_Release(mgr);
    return result;
}

int wmain(int argc, WCHAR **argv)
{
    int result = 1, r, n = 0;
    BOOL all_ours = TRUE, all_done = TRUE;
    size_t i;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2)
        return 1;
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return 1;
    if (!wcscmp(argv[1], L"matrix") && argc == 5) {
        for (i = 0; i < ARRAYSIZE(classes); i++) {
            static const DWORD ctxs[] = {CLSCTX_LOCAL_SERVER, CLSCTX_ALL};
            size_t c;

            for (c = 0; c < ARRAYSIZE(ctxs); c++) {
                r = transfer(classes[i].clsid, classes[i].name, ctxs[c], argv[2], argv[3], argv[4], n++);
                all_done &= r != IMPL_FAILED;
                all_ours &= r == IMPL_BITSDO;
            }
        }
        printf("%d transfers: %s\n", n, all_done ? (all_ours ? "all by bitsdo" : "not all by bitsdo") : "FAILED");
        result = !all_done ? 1 : all_ours ? 0 : 3;
    } else if (!wcscmp(argv[1], L"one") && argc == 5) {
        r = transfer(&CLSID_BackgroundCopyManager, "BackgroundCopyManager", CLSCTX_LOCAL_SERVER, argv[2], argv[3],
                     argv[4], 100);
        result = r == IMPL_BITSDO ? 0 : r == IMPL_OTHER ? 3 : 1;
    } else if (!wcscmp(argv[1], L"create") && argc == 4) {
        result = create(argv[2], argv[3]);
    } else if (!wcscmp(argv[1], L"find") && argc == 4) {
        result = find(argv[2], argv[3]);
    }
    CoUninitialize();
    return result;
}
