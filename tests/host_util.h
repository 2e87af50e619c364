/* Helpers shared by the tests of the per-user host (test_host.c,
 * test_host_progress.c): running a program and waiting for it (bounded),
 * the running host's process, and stopping it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BITSDO_TEST_HOST_UTIL_H
#define BITSDO_TEST_HOST_UTIL_H

#include "testutil.h"

/* How long a child program may run. */
#define HU_CHILD_WAIT_MS 120000

/* Runs `program` with `args`, waits at most HU_CHILD_WAIT_MS (asserts it
 * ended), returns its exit code. */
DWORD hu_run(const WCHAR *program, const WCHAR *args);
/* "bitsdo-host.exe -Stop" from the test program's folder (beside
 * bitsdo.dll); its exit code (0: no host runs any more). */
DWORD hu_stop_host(void);
/* The ready host's process (SYNCHRONIZE | PROCESS_TERMINATE) and its pid
 * (pid may be NULL), or NULL when no host is ready. */
HANDLE hu_host_process(DWORD *pid);
/* Kills `process` (a host) hard, waits for its end and closes the handle;
 * returns tu_ms() as it saw the host gone, then ends the prefix's rpcss, which would otherwise keep the dead host's
 * class registration and fail every later CLSCTX_LOCAL_SERVER activation in
 * this prefix (docs/hosting.md, "Facts from Wine 8"); COM starts rpcss
 * again when it is next needed. */
ULONGLONG hu_kill_host(HANDLE process);

#endif
