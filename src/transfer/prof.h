/* Hot-path timing (issue 13): where the time of a transfer goes, per kind
 * of step, summed over the process. Built only with -DBITSDO_PROFILE=ON
 * (off by default; then every macro here is nothing). With it, the sums
 * are appended to the file named by BITSDO_PROFILE_OUT when the DLL is
 * unloaded or the process ends: one line per step, "name calls ms". */
#ifndef BITSDO_TRANSFER_PROF_H
#define BITSDO_TRANSFER_PROF_H

#include <windows.h>

typedef enum bitsdo_prof_step {
    BITSDO_PROF_RECV,     /* one read of a response body (socket or WinHTTP) */
    BITSDO_PROF_READ,     /* one ReadFile of a file:// or UNC source */
    BITSDO_PROF_YIELD,    /* the scheduler's turn before each write */
    BITSDO_PROF_WRITE,    /* one WriteFile into the temp file */
    BITSDO_PROF_COUNTERS, /* the seqlock add of the written bytes */
    BITSDO_PROF_PROGRESS, /* the engine's per-write bookkeeping and events */
    BITSDO_PROF_OPEN,     /* creating or opening a temp file */
    BITSDO_PROF_FILE,     /* one file's whole fetch, from its worker step */
    BITSDO_PROF_STEPS
} bitsdo_prof_step;

#ifdef BITSDO_PROFILE
LONGLONG bitsdo_prof_now(void);
void bitsdo_prof_add(bitsdo_prof_step step, LONGLONG since);
void bitsdo_prof_report(void);
#define BITSDO_PROF_START(var) LONGLONG var = bitsdo_prof_now()
#define BITSDO_PROF_STOP(step, var) bitsdo_prof_add(step, var)
#define BITSDO_PROF_REPORT() bitsdo_prof_report()
#else
#define BITSDO_PROF_START(var) ((void)0)
#define BITSDO_PROF_STOP(step, var) ((void)0)
#define BITSDO_PROF_REPORT() ((void)0)
#endif

#endif
