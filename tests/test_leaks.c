/* Leak loops: many cycles of a job's life in one process, then the
 * process's private bytes, handles and threads against where they started,
 * and DllCanUnloadNow once everything is released.
 *   - create, add a file, cancel (BITSDO_LEAK_CYCLES, default 10,000);
 *   - create, add a small local file, resume, transfer, complete
 *     (BITSDO_LEAK_TRANSFERS, default 1,000).
 * Both loops run after a warm-up of the same cycle (lazy allocations, the
 * worker pool), so the figures are what the loop itself keeps. Each loop
 * prints its figures; raise the counts for a long run.
 *
 * SPDX-License-Identifier: MIT
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#define WARMUP          200
#define MAX_HANDLES_UP  16               /* handles more than at the start */
#define MAX_THREADS_UP  2
#define MAX_PRIVATE_UP  (8u << 20)       /* bytes: heap growth and fragmentation */

typedef struct usage {
    SIZE_T private_bytes;
    DWORD handles;
    DWORD threads;
} usage;

static HRESULT(WINAPI *can_unload_now)(void);

/* Wine answers GetProcessMemoryInfo's PrivateUsage, GetProcessHandleCount
 * and Toolhelp's thread list with nothing useful for this, so the figures
 * come from where Wine keeps them: the Unix process's /proc/self/status
 * (RssAnon: private memory in use; Threads) through the Z: drive, and the
 * wineserver's handle table (NtQuerySystemInformation(SystemHandleInformation)). */
static unsigned long proc_status(const char *field)
{
    char text[4096], *p;
    HANDLE h = CreateFileW(L"Z:\\proc\\self\\status", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD got = 0;
    size_t len = strlen(field);

    assert_true(h != INVALID_HANDLE_VALUE);
    ReadFile(h, text, sizeof(text) - 1, &got, NULL);
    CloseHandle(h);
    text[got] = 0;
    for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, field, len) && p[len] == ':')
            return strtoul(p + len + 1, NULL, 10);
    fail_msg("no %s in /proc/self/status", field);
    return 0;
}

typedef struct handle_entry {
    ULONG pid;
    BYTE type, flags;
    USHORT value;
    void *object;
    ULONG access;
} handle_entry;

static DWORD handle_count(void)
{
    LONG(WINAPI * query)(ULONG, void *, ULONG, ULONG *) =
        (void *)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQuerySystemInformation");
    ULONG size = 1 << 20, need = 0, i, n = 0;
    BYTE *buf = NULL;
    LONG status;

    assert_non_null(query);
    for (;;) {
        buf = realloc(buf, size);
        assert_non_null(buf);
        status = query(16 /* SystemHandleInformation */, buf, size, &need);
        if (status != (LONG)0xC0000004 /* STATUS_INFO_LENGTH_MISMATCH */)
            break;
        size = need > size ? need + 65536 : size * 2;
    }
    assert_int_equal(status, 0);
    {
        ULONG count = *(ULONG *)buf;
        const handle_entry *e = (const handle_entry *)(buf + sizeof(void *));

        for (i = 0; i < count; i++)
            n += e[i].pid == GetCurrentProcessId();
    }
    free(buf);
    return n;
}

static usage measure(void)
{
    usage u;

    u.private_bytes = (SIZE_T)proc_status("RssAnon") * 1024;
    u.handles = handle_count();
    u.threads = (DWORD)proc_status("Threads");
    return u;
}

static DWORD thread_count(void)
{
    return (DWORD)proc_status("Threads");
}

static BOOL can_unload(void *ctx)
{
    (void)ctx;
    return can_unload_now() == S_OK;
}

static BOOL threads_back(void *ctx)
{
    return thread_count() <= ((const usage *)ctx)->threads + MAX_THREADS_UP;
}

static unsigned count_from_env(const char *name, unsigned fallback)
{
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? (unsigned)atoi(v) : fallback;
}

/* Everything released: the DLL can go, the workers are gone, and the
 * counts are within their bounds of `start`. */
static void check_after(const char *what, unsigned cycles, const usage *start, double seconds)
{
    usage end;

    assert_true(tu_wait_until(can_unload, NULL, 30000));
    tu_wait_until(threads_back, (void *)start, 30000);
    end = measure();
    print_message("%s: %u cycles in %.1f s (%.0f us each); private bytes %.1f MB, %+.0f KB (%.1f B/cycle), "
                  "handles %lu %+ld, threads %lu %+ld\n",
                  what, cycles, seconds, seconds * 1e6 / cycles, end.private_bytes / 1048576.0,
                  ((double)end.private_bytes - (double)start->private_bytes) / 1024.0,
                  ((double)end.private_bytes - (double)start->private_bytes) / cycles,
                  (unsigned long)end.handles, (long)end.handles - (long)start->handles,
                  (unsigned long)end.threads, (long)end.threads - (long)start->threads);
    assert_true(end.handles <= start->handles + MAX_HANDLES_UP);
    assert_true(end.threads <= start->threads + MAX_THREADS_UP);
    assert_true(end.private_bytes <= start->private_bytes + MAX_PRIVATE_UP);
}

static void create_add_cancel(unsigned n)
{
    WCHAR local[MAX_PATH];
    unsigned i;

    tu_path(local, ARRAYSIZE(local), L"never.out");
    for (i = 0; i < n; i++) {
        IBackgroundCopyManager *mgr = tu_manager();
        IBackgroundCopyJob *job = tu_create_job(mgr, L"leak loop", NULL);

        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1:1/never", local));
        assert_hr(S_OK, IBackgroundCopyJob_Cancel(job));
        IBackgroundCopyJob_Release(job);
        IBackgroundCopyManager_Release(mgr);
    }
}

static void test_create_add_cancel(void **state)
{
    unsigned n = count_from_env("BITSDO_LEAK_CYCLES", 10000);
    usage start;
    double t0;

    (void)state;
    create_add_cancel(WARMUP);
    assert_true(tu_wait_until(can_unload, NULL, 30000));
    start = measure();
    t0 = tu_seconds();
    create_add_cancel(n);
    check_after("create, AddFile, Cancel", n, &start, tu_seconds() - t0);
}

static void transfer_complete(unsigned n, const WCHAR *src, const WCHAR *local)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        IBackgroundCopyManager *mgr = tu_manager();
        IBackgroundCopyJob *job = tu_create_job(mgr, L"leak transfer", NULL);

        assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, src, local));
        assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
        assert_int_equal(tu_wait_settled(job, 60000), BG_JOB_STATE_TRANSFERRED);
        assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
        IBackgroundCopyJob_Release(job);
        IBackgroundCopyManager_Release(mgr);
        assert_true(DeleteFileW(local));
    }
}

static void test_transfer_complete(void **state)
{
    unsigned n = count_from_env("BITSDO_LEAK_TRANSFERS", 1000);
    WCHAR src[MAX_PATH], local[MAX_PATH];
    usage start;
    double t0;

    (void)state;
    tu_path(src, ARRAYSIZE(src), L"leak.src");
    tu_path(local, ARRAYSIZE(local), L"leak.out");
    tu_make_file(src, 4096, 3);
    DeleteFileW(local);
    transfer_complete(WARMUP, src, local);
    assert_true(tu_wait_until(can_unload, NULL, 30000));
    start = measure();
    t0 = tu_seconds();
    transfer_complete(n, src, local);
    check_after("create, AddFile, transfer 4 KB, Complete", n, &start, tu_seconds() - t0);
    DeleteFileW(src);
}

static int group_setup(void **state)
{
    IBackgroundCopyManager *mgr;
    HMODULE dll;

    if (tu_group_setup(state))
        return -1;
    mgr = tu_manager(); /* loads the DLL */
    dll = GetModuleHandleW(L"bitsdo.dll");
    IBackgroundCopyManager_Release(mgr);
    if (!dll || !(can_unload_now = (HRESULT(WINAPI *)(void))(void *)GetProcAddress(dll, "DllCanUnloadNow")))
        return -1;
    /* COM keeps the DLL loaded (nothing calls CoFreeUnusedLibraries here),
     * so its state carries from loop to loop as in a long-lived client. */
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_add_cancel),
        cmocka_unit_test(test_transfer_complete),
    };
    return cmocka_run_group_tests(tests, group_setup, tu_group_teardown);
}
