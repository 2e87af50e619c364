/* Helpers shared by test_http.c and test_http_faults.c: where the test
 * servers are (ports written by the ctest fixtures), test files in the
 * served folder, one-file jobs, the fault server's /stats.
 *
 * The fixtures (tests/CMakeLists.txt) start nginx (tools/nginx-fixture.sh)
 * and the fault server (tools/faultserver.py) over the same www folder,
 * and trust the throwaway CA inside the test Wine prefix. The folder is in
 * the environment variable BITSDO_HTTP_SERVERS (a Unix path):
 *   nginx/http_port, nginx/https_port   nginx's ports
 *   nginx/www                           the served files
 *   faultserver.ports                   the fault server's HTTP and HTTPS ports
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BITSDO_TEST_HTTP_UTIL_H
#define BITSDO_TEST_HTTP_UTIL_H

#include "testutil.h"

#include <winhttp.h>

typedef struct ht_servers {
    unsigned nginx_http, nginx_https;
    unsigned fault_http, fault_https;
    WCHAR www[MAX_PATH]; /* the served folder, as a Windows path */
} ht_servers;

extern ht_servers ht;

/* Reads the text file dir/name (dir a Unix path, as in BITSDO_HTTP_SERVERS)
 * into out; FALSE if it is missing or empty. */
BOOL ht_read_text(const char *dir, const char *name, char *out, size_t cap);
/* Reads the ports; FALSE (with a message) if the fixtures did not run. */
BOOL ht_init(void);
/* A token unique to this process and call, for fault URLs and /stats. */
void ht_token(char *out, size_t cap, const char *prefix);
/* Creates www\name with tu_make_file's pattern; returns its Windows path. */
WCHAR *ht_make(WCHAR *path, size_t cap, const WCHAR *name, UINT64 size, DWORD seed);

/* A download job with one file, NoProgressTimeout long enough that
 * transient errors stay TRANSIENT_ERROR, resumed. */
IBackgroundCopyJob *ht_start(IBackgroundCopyManager *mgr, const WCHAR *url, const WCHAR *local);
/* Same, not resumed (to set options first). */
IBackgroundCopyJob *ht_job(IBackgroundCopyManager *mgr, const WCHAR *url, const WCHAR *local);
/* The job's error code and context (asserts it has one). */
void ht_error(IBackgroundCopyJob *job, HRESULT *hr, BG_ERROR_CONTEXT *context);
/* Asserts the job settled in `state` with error `hr` and `context`. */
void ht_expect_error(IBackgroundCopyJob *job, BG_JOB_STATE state, HRESULT hr, BG_ERROR_CONTEXT context);
/* Resumes a job in (TRANSIENT_)ERROR and waits for it to settle. */
BG_JOB_STATE ht_retry(IBackgroundCopyJob *job);
/* Completes a TRANSFERRED job and checks `local` equals `source`. */
void ht_complete_equal(IBackgroundCopyJob *job, const WCHAR *local, const WCHAR *source);
/* The remote name of the job's first file (CoTaskMemFree it). */
WCHAR *ht_remote_name(IBackgroundCopyJob *job);

/* GET http://127.0.0.1:port/path with WinHTTP; the body, malloc'ed. */
char *ht_get(unsigned port, const char *path);
/* The fault server's record of a token. */
char *ht_stats(const char *token);
/* A number field of the stats ("requests", "get", "connections"). */
long ht_json_int(const char *json, const char *field);
/* The "ranges" array: each GET's Range header, "" for none. Returns the
 * count (at most max). */
int ht_json_ranges(const char *json, char ranges[][64], int max);
/* How many times `needle` occurs in the text. */
int ht_count(const char *text, const char *needle);

/* A loopback TCP port nothing listens on. */
unsigned ht_dead_port(void);

#endif
