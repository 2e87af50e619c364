/* The host's kernel object names and the seqlock read of its info block
 * (hostinfo.h): shared by the host, the DLL's connector and the tests. */
#include "hostinfo.h"

#include <sddl.h>
#include <stdio.h>
#include <string.h>

/* The names are per user of the process (not of a thread that
 * impersonates): every process of the user must find the same host. */
BOOL bitsdo_host_object_name(const WCHAR *what, WCHAR *buf, size_t cap)
{
    HANDLE token;
    BYTE sid_buf[256];
    TOKEN_USER *user = (TOKEN_USER *)sid_buf;
    WCHAR *sid = NULL;
    DWORD len;
    int n = -1;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return FALSE;
    if (GetTokenInformation(token, TokenUser, sid_buf, sizeof(sid_buf), &len) &&
        ConvertSidToStringSidW(user->User.Sid, &sid)) {
        n = swprintf(buf, cap, L"Local\\bitsdo-%ls-%ls", sid, what);
        LocalFree(sid);
    }
    CloseHandle(token);
    return n > 0 && (size_t)n < cap;
}

BOOL bitsdo_host_progress_name(uint64_t generation, WCHAR *buf, size_t cap)
{
    WCHAR what[32];

    swprintf(what, ARRAYSIZE(what), L"progress-%08lx%08lx", (unsigned long)(generation >> 32),
             (unsigned long)(generation & 0xffffffffu));
    return bitsdo_host_object_name(what, buf, cap);
}

BOOL bitsdo_host_info_read(const bitsdo_host_info *shared, bitsdo_host_info *copy)
{
    int i;

    /* The view is read-only: plain loads with barriers (an interlocked
     * compare-exchange would write). */
    for (i = 0; i < 10000; i++) {
        LONG before = shared->seq;

        MemoryBarrier();
        if (!(before & 1)) {
            memcpy(copy, (const void *)shared, sizeof(*copy));
            MemoryBarrier();
            if (shared->seq == before)
                return TRUE;
        }
        SwitchToThread();
    }
    return FALSE;
}
