/* Helpers shared by the tests that run under Wine against the registered
 * bitsdo.dll: COM activation, per-test data folders, deterministic test
 * files, bounded waits on job state and progress.
 *
 * Every wait here has a deadline; nothing sleeps to synchronise. Polling
 * helpers look at the job every millisecond until the condition holds or
 * the deadline passes, and report which happened.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BITSDO_TESTUTIL_H
#define BITSDO_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>

#include "bitsdo.h"

#include <cmocka.h>

/* Default bound for a wait that should finish quickly (ms). */
#define TU_WAIT_MS 60000
#define TU_MB (1024u * 1024u)

/* --- assertions ----------------------------------------------------------- */

/* hr must equal expected; on failure prints both in hex with the call text. */
#define assert_hr(expected, hr) tu_assert_hr((HRESULT)(expected), (HRESULT)(hr), #hr, __FILE__, __LINE__)
/* hr must be E_POINTER or E_INVALIDARG (what BITS documents for NULL arguments
 * varies between methods; either is a documented refusal). */
#define assert_null_arg(hr) tu_assert_null_arg((HRESULT)(hr), #hr, __FILE__, __LINE__)
/* Two wide strings must be equal (NULL only equals NULL). */
#define assert_wstr_equal(a, b) tu_assert_wstr_equal((a), (b), #a, #b, __FILE__, __LINE__)

void tu_assert_hr(HRESULT expected, HRESULT hr, const char *call, const char *file, int line);
void tu_assert_null_arg(HRESULT hr, const char *call, const char *file, int line);
void tu_assert_wstr_equal(const WCHAR *a, const WCHAR *b, const char *ta, const char *tb,
                          const char *file, int line);

/* --- COM ------------------------------------------------------------------ */

/* CoCreateInstance(CLSID_BitsdoPrivateManager, CLSCTX_INPROC_SERVER,
 * IID_IBackgroundCopyManager), through the registry; asserts success. The
 * calling thread must have called CoInitializeEx. */
IBackgroundCopyManager *tu_manager(void);
/* A new download job named `name` (asserts success); *id may be NULL. */
IBackgroundCopyJob *tu_create_job(IBackgroundCopyManager *mgr, const WCHAR *name, GUID *id);
/* QueryInterface that asserts success. */
void *tu_qi(void *unknown, REFIID riid);
/* The number of references left: AddRef then Release. */
ULONG tu_refcount(void *unknown);

/* cmocka group setup/teardown: CoInitializeEx (MTA) on the main thread and
 * the per-test data folder, CoUninitialize at the end. */
int tu_group_setup(void **state);
int tu_group_teardown(void **state);
/* cmocka per-test teardown: cancels every job this process still has, so a
 * test that failed half-way leaves nothing (jobs, temporary files) behind
 * to confuse the next one. */
int tu_cancel_all_jobs(void **state);

/* IDODownload::SetProperty with a VARIANT of the type the property takes. */
HRESULT tu_do_set_bstr(IDODownload *d, DODownloadProperty id, const WCHAR *s);
HRESULT tu_do_set_ui4(IDODownload *d, DODownloadProperty id, ULONG n);
HRESULT tu_do_set_bool(IDODownload *d, DODownloadProperty id, BOOL b);

/* Windows policy values (src/transfer/policy.h): sets the per-process
 * override BITSDO_POLICY_<name> (NULL removes it; "" means "not
 * configured"); tu_policy_clear removes the overrides of `names` and the
 * values themselves under HKLM\key. */
void tu_policy_set(const WCHAR *name, const WCHAR *value);
void tu_policy_clear(const WCHAR *key, const WCHAR *const *names, size_t count);

/* --- files and folders ---------------------------------------------------- */

/* The test program's own data folder, as a Windows path without a trailing
 * backslash: %BITSDO_TEST_DATA%\<program name>. Emptied on first use. */
const WCHAR *tu_dir(void);
/* out = tu_dir() + "\\" + name (formatted). Returns out. */
WCHAR *tu_path(WCHAR *out, size_t cap, const WCHAR *fmt, ...);
/* A Unix path as the Windows path Wine maps it to (Z:\...). */
BOOL tu_unix_to_dos(const char *unix_path, WCHAR *out, size_t cap);
/* Creates a folder (and its parents). */
BOOL tu_mkdirs(const WCHAR *dir);
/* Deletes everything inside dir (hidden and read-only files too), keeps dir. */
void tu_empty_dir(const WCHAR *dir);

/* Writes a file of `size` bytes holding a deterministic pattern that
 * depends on `seed` and on the offset (so a shifted or truncated copy never
 * compares equal). Asserts success. */
void tu_make_file(const WCHAR *path, UINT64 size, DWORD seed);
/* TRUE if path holds exactly the pattern tu_make_file writes. */
BOOL tu_check_pattern(const WCHAR *path, UINT64 size, DWORD seed);
/* TRUE if both files exist and are byte-identical. */
BOOL tu_files_equal(const WCHAR *a, const WCHAR *b);
/* File size, or (UINT64)-1 if it does not exist. */
UINT64 tu_file_size(const WCHAR *path);
BOOL tu_exists(const WCHAR *path);
/* How many BIT*.tmp files are in dir. */
int tu_count_temp_files(const WCHAR *dir);
/* A file:// URL for a Windows drive path (file:///Z:/a/b). */
WCHAR *tu_file_url(WCHAR *out, size_t cap, const WCHAR *path);

/* --- time and waiting ----------------------------------------------------- */

ULONGLONG tu_ms(void);        /* a monotonic millisecond clock */
double tu_seconds(void);      /* QueryPerformanceCounter in seconds */
/* TRUE if the event was signalled within timeout_ms. */
BOOL tu_wait_event(HANDLE event, DWORD timeout_ms);

BG_JOB_STATE tu_state(IBackgroundCopyJob *job);
const char *tu_state_name(BG_JOB_STATE state);
/* Polls until the job is in `state` (TRUE), or the deadline passes or the
 * job is in a state it cannot leave by itself (FALSE). Prints what it saw on
 * failure. */
BOOL wait_for_state(IBackgroundCopyJob *job, BG_JOB_STATE state, DWORD timeout_ms);
/* Polls until the job is in none of QUEUED, CONNECTING, TRANSFERRING (the
 * transfer has ended one way or another) and returns that state; returns
 * the active state it is still in when the deadline passes. */
BG_JOB_STATE tu_wait_settled(IBackgroundCopyJob *job, DWORD timeout_ms);
/* Polls GetProgress until BytesTransferred >= bytes (TRUE) or the job left
 * the active states / the deadline passed (FALSE). */
BOOL tu_wait_bytes(IBackgroundCopyJob *job, UINT64 bytes, DWORD timeout_ms);
/* Polls until pred(ctx) is TRUE (TRUE) or the deadline passes (FALSE). */
BOOL tu_wait_until(BOOL (*pred)(void *ctx), void *ctx, DWORD timeout_ms);

/* --- files of a job ------------------------------------------------------- */

/* File `index` of the job through EnumFiles (asserts it exists). */
IBackgroundCopyFile *tu_job_file(IBackgroundCopyJob *job, ULONG index);
BG_JOB_PROGRESS tu_progress(IBackgroundCopyJob *job);
BG_FILE_PROGRESS tu_file_progress(IBackgroundCopyFile *file);

#endif
