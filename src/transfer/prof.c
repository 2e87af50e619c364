/* Hot-path timing sums (prof.h). Each step adds its QueryPerformanceCounter
 * ticks and one call with interlocked adds: several workers may run. */
#include "prof.h"

#ifdef BITSDO_PROFILE
#include <stdio.h>

static volatile LONG64 ticks[BITSDO_PROF_STEPS], calls[BITSDO_PROF_STEPS];
static const char *const names[BITSDO_PROF_STEPS] = {
    "recv", "read", "yield", "write", "counters", "progress", "open", "file",
};

LONGLONG bitsdo_prof_now(void)
{
    LARGE_INTEGER t;

    QueryPerformanceCounter(&t);
    return t.QuadPart;
}

void bitsdo_prof_add(bitsdo_prof_step step, LONGLONG since)
{
    InterlockedExchangeAdd64(&ticks[step], bitsdo_prof_now() - since);
    InterlockedIncrement64(&calls[step]);
}

void bitsdo_prof_report(void)
{
    char path[MAX_PATH];
    LARGE_INTEGER freq;
    FILE *out;
    int i;

    if (!GetEnvironmentVariableA("BITSDO_PROFILE_OUT", path, sizeof(path)) || !(out = fopen(path, "a")))
        return;
    QueryPerformanceFrequency(&freq);
    fprintf(out, "# bitsdo profile, pid %lu\n", (unsigned long)GetCurrentProcessId());
    for (i = 0; i < BITSDO_PROF_STEPS; i++)
        fprintf(out, "%s %lld %.3f\n", names[i], (long long)calls[i],
                (double)ticks[i] * 1000.0 / (double)freq.QuadPart);
    fclose(out);
}
#else
typedef int bitsdo_prof_off; /* ISO C wants something in every file */
#endif
