/* Helpers for the HTTP tests: see http_util.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <winhttp.h>

#include "http_util.h"

#include <stdlib.h>
#include <string.h>

ht_servers ht;

BOOL ht_read_text(const char *dir, const char *name, char *out, size_t cap)
{
    char unix_path[1024];
    WCHAR path[MAX_PATH];
    HANDLE h;
    DWORD got = 0;

    snprintf(unix_path, sizeof(unix_path), "%s/%s", dir, name);
    if (!tu_unix_to_dos(unix_path, path, MAX_PATH))
        return FALSE;
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    ReadFile(h, out, (DWORD)cap - 1, &got, NULL);
    CloseHandle(h);
    out[got] = 0;
    return got > 0;
}

BOOL ht_init(void)
{
    const char *dir = getenv("BITSDO_HTTP_SERVERS");
    char text[256], www[1024], *nl;

    if (!dir) {
        print_error("BITSDO_HTTP_SERVERS is not set: run these tests through ctest\n");
        return FALSE;
    }
    if (!ht_read_text(dir, "nginx/http_port", text, sizeof(text)) || !(ht.nginx_http = atoi(text)) ||
        !ht_read_text(dir, "nginx/https_port", text, sizeof(text)) || !(ht.nginx_https = atoi(text)) ||
        !ht_read_text(dir, "faultserver.ports", text, sizeof(text)) || !(ht.fault_http = atoi(text)) ||
        !(nl = strchr(text, '\n')) || !(ht.fault_https = atoi(nl + 1))) {
        print_error("the test servers' ports are not in %s (fixtures not run?)\n", dir);
        return FALSE;
    }
    snprintf(www, sizeof(www), "%s/nginx/www", dir);
    return tu_unix_to_dos(www, ht.www, MAX_PATH);
}

void ht_token(char *out, size_t cap, const char *prefix)
{
    static LONG counter;

    snprintf(out,
             cap,
             "%s%lx-%lx-%ld",
             prefix,
             GetCurrentProcessId(),
             (unsigned long)GetTickCount(),
             InterlockedIncrement(&counter));
}

WCHAR *ht_make(WCHAR *path, size_t cap, const WCHAR *name, UINT64 size, DWORD seed)
{
    swprintf(path, cap, L"%ls\\%ls", ht.www, name);
    tu_make_file(path, size, seed);
    return path;
}

IBackgroundCopyJob *ht_job(IBackgroundCopyManager *mgr, const WCHAR *url, const WCHAR *local)
{
    IBackgroundCopyJob *job = tu_create_job(mgr, L"http test", NULL);

    assert_hr(S_OK, IBackgroundCopyJob_AddFile(job, url, local));
    /* Long enough that a transient error stays one for the whole test;
     * retries are started by the test with Resume. */
    assert_hr(S_OK, IBackgroundCopyJob_SetNoProgressTimeout(job, 3600));
    return job;
}

IBackgroundCopyJob *ht_start(IBackgroundCopyManager *mgr, const WCHAR *url, const WCHAR *local)
{
    IBackgroundCopyJob *job = ht_job(mgr, url, local);

    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    return job;
}

void ht_error(IBackgroundCopyJob *job, HRESULT *hr, BG_ERROR_CONTEXT *context)
{
    IBackgroundCopyError *error = NULL;

    assert_hr(S_OK, IBackgroundCopyJob_GetError(job, &error));
    assert_hr(S_OK, IBackgroundCopyError_GetError(error, context, hr));
    IBackgroundCopyError_Release(error);
}

void ht_expect_error(IBackgroundCopyJob *job, BG_JOB_STATE state, HRESULT hr, BG_ERROR_CONTEXT context)
{
    BG_JOB_STATE got = tu_wait_settled(job, TU_WAIT_MS);
    BG_ERROR_CONTEXT got_context = 0;
    HRESULT got_hr = S_OK;

    if (got == BG_JOB_STATE_ERROR || got == BG_JOB_STATE_TRANSIENT_ERROR)
        ht_error(job, &got_hr, &got_context);
    if (got != state || got_hr != hr || got_context != context) {
        print_error("job settled in %s with 0x%08lx context %d; expected %s with 0x%08lx context %d\n",
                    tu_state_name(got),
                    (unsigned long)got_hr,
                    (int)got_context,
                    tu_state_name(state),
                    (unsigned long)hr,
                    (int)context);
        fail();
    }
}

BG_JOB_STATE ht_retry(IBackgroundCopyJob *job)
{
    assert_hr(S_OK, IBackgroundCopyJob_Resume(job));
    return tu_wait_settled(job, TU_WAIT_MS);
}

void ht_complete_equal(IBackgroundCopyJob *job, const WCHAR *local, const WCHAR *source)
{
    assert_int_equal(tu_wait_settled(job, TU_WAIT_MS), BG_JOB_STATE_TRANSFERRED);
    assert_hr(S_OK, IBackgroundCopyJob_Complete(job));
    if (!tu_files_equal(local, source)) {
        print_error("%ls differs from %ls (%llu and %llu bytes)\n",
                    local,
                    source,
                    (unsigned long long)tu_file_size(local),
                    (unsigned long long)tu_file_size(source));
        fail();
    }
}

WCHAR *ht_remote_name(IBackgroundCopyJob *job)
{
    IBackgroundCopyFile *file = tu_job_file(job, 0);
    WCHAR *name = NULL;

    assert_hr(S_OK, IBackgroundCopyFile_GetRemoteName(file, &name));
    IBackgroundCopyFile_Release(file);
    return name;
}

char *ht_get(unsigned port, const char *path)
{
    HINTERNET session, connect = NULL, request = NULL;
    WCHAR wpath[512];
    char *body = NULL;
    DWORD len = 0, got, avail;
    DWORD timeout = 10000;

    MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, 512);
    session = WinHttpOpen(L"bitsdo-test", WINHTTP_ACCESS_TYPE_NO_PROXY, NULL, NULL, 0);
    if (!session)
        return NULL;
    WinHttpSetTimeouts(session, timeout, timeout, timeout, timeout);
    if ((connect = WinHttpConnect(session, L"127.0.0.1", (INTERNET_PORT)port, 0)) &&
        (request = WinHttpOpenRequest(connect, L"GET", wpath, NULL, NULL, NULL, 0)) &&
        WinHttpSendRequest(request, NULL, 0, NULL, 0, 0, 0) && WinHttpReceiveResponse(request, NULL)) {
        body = malloc(1);
        while (body && WinHttpQueryDataAvailable(request, &avail) && avail) {
            char *grown = realloc(body, len + avail + 1);
            if (!grown) {
                free(body);
                body = NULL;
                break;
            }
            body = grown;
            if (!WinHttpReadData(request, body + len, avail, &got) || !got)
                break;
            len += got;
        }
        if (body)
            body[len] = 0;
    }
    if (request)
        WinHttpCloseHandle(request);
    if (connect)
        WinHttpCloseHandle(connect);
    WinHttpCloseHandle(session);
    return body;
}

char *ht_stats(const char *token)
{
    char path[128];
    char *json;

    snprintf(path, sizeof(path), "/stats/%s", token);
    json = ht_get(ht.fault_http, path);
    if (!json) {
        print_error("could not read %s from the fault server\n", path);
        fail();
    }
    return json;
}

long ht_json_int(const char *json, const char *field)
{
    char key[64];
    const char *p;

    snprintf(key, sizeof(key), "\"%s\":", field);
    if (!(p = strstr(json, key)))
        return -1;
    return strtol(p + strlen(key), NULL, 10);
}

int ht_json_ranges(const char *json, char ranges[][64], int max)
{
    const char *p = strstr(json, "\"ranges\":"), *end;
    int n = 0;

    if (!p || !(p = strchr(p, '[')) || !(end = strchr(p, ']')))
        return -1;
    for (p++; p < end && n < max;) {
        while (p < end && (*p == ' ' || *p == '\n' || *p == ','))
            p++;
        if (p >= end)
            break;
        if (!strncmp(p, "null", 4)) {
            ranges[n++][0] = 0;
            p += 4;
        } else if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            size_t len;
            if (!q)
                break;
            len = q - p - 1 < 63 ? (size_t)(q - p - 1) : 63;
            memcpy(ranges[n], p + 1, len);
            ranges[n++][len] = 0;
            p = q + 1;
        } else {
            break;
        }
    }
    return n;
}

int ht_count(const char *text, const char *needle)
{
    int n = 0;
    const char *p = text;

    while ((p = strstr(p, needle))) {
        n++;
        p += strlen(needle);
    }
    return n;
}

unsigned ht_dead_port(void)
{
    WSADATA data;
    SOCKET s;
    struct sockaddr_in addr = {0};
    int len = sizeof(addr);
    unsigned port = 0;

    WSAStartup(MAKEWORD(2, 2), &data);
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s != INVALID_SOCKET && !bind(s, (struct sockaddr *)&addr, sizeof(addr)) &&
        !getsockname(s, (struct sockaddr *)&addr, &len))
        port = ntohs(addr.sin_port);
    closesocket(s);
    assert_true(port != 0);
    return port;
}
