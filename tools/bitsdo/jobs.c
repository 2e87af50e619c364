/*
 * jobs.c - the per-job commands of the bitsdo client and the job snapshot
 * they share: create, addfile, resume, suspend, cancel, complete, list,
 * info, setpriority, setproxy.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ------------------------------------------------------------------ */
/* names of enum values                                                 */
/* ------------------------------------------------------------------ */

const char *cli_state_name(BG_JOB_STATE state)
{
    static const char *const names[] = {
        "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
        "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED",
    };
    return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "UNKNOWN";
}

const char *cli_priority_name(BG_JOB_PRIORITY priority)
{
    static const char *const names[] = {"FOREGROUND", "HIGH", "NORMAL", "LOW"};
    return (unsigned)priority < sizeof(names) / sizeof(names[0]) ? names[priority] : "UNKNOWN";
}

const char *cli_context_name(BG_ERROR_CONTEXT context)
{
    static const char *const names[] = {
        "NONE", "UNKNOWN", "GENERAL_QUEUE_MANAGER", "QUEUE_MANAGER_NOTIFICATION", "LOCAL_FILE",
        "REMOTE_FILE", "GENERAL_TRANSPORT", "REMOTE_APPLICATION", "SERVER_CERTIFICATE_CALLBACK",
    };
    return (unsigned)context < sizeof(names) / sizeof(names[0]) ? names[context] : "UNKNOWN";
}

const char *cli_proxy_name(BG_JOB_PROXY_USAGE usage)
{
    static const char *const names[] = {"PRECONFIG", "NO_PROXY", "OVERRIDE", "AUTODETECT"};
    return (unsigned)usage < sizeof(names) / sizeof(names[0]) ? names[usage] : "UNKNOWN";
}

BOOL cli_parse_priority(const WCHAR *s, BG_JOB_PRIORITY *out)
{
    static const WCHAR *const names[] = {L"foreground", L"high", L"normal", L"low"};
    unsigned i;

    for (i = 0; i < 4; i++) {
        if (!_wcsicmp(s, names[i])) {
            *out = (BG_JOB_PRIORITY)i;
            return TRUE;
        }
    }
    return FALSE;
}

BOOL cli_state_is_active(BG_JOB_STATE state)
{
    return state == BG_JOB_STATE_QUEUED || state == BG_JOB_STATE_CONNECTING ||
           state == BG_JOB_STATE_TRANSFERRING || state == BG_JOB_STATE_TRANSIENT_ERROR;
}

/* ------------------------------------------------------------------ */
/* arguments                                                            */
/* ------------------------------------------------------------------ */

BOOL cli_parse_guid(const WCHAR *s, GUID *out)
{
    WCHAR braced[40];
    size_t len = wcslen(s);

    if (len == 36) {
        braced[0] = L'{';
        memcpy(braced + 1, s, 36 * sizeof(WCHAR));
        braced[37] = L'}';
        braced[38] = 0;
    } else if (len == 38 && s[0] == L'{' && s[37] == L'}')
        wcscpy(braced, s);
    else
        return FALSE;
    return SUCCEEDED(IIDFromString(braced, out));
}

WCHAR *cli_full_path(const WCHAR *name)
{
    DWORD need = GetFullPathNameW(name, 0, NULL, NULL);
    WCHAR *full;

    if (!need || !(full = malloc((size_t)need * sizeof(WCHAR))))
        return _wcsdup(name);
    if (!GetFullPathNameW(name, need, full, NULL)) {
        free(full);
        return _wcsdup(name);
    }
    return full;
}

WCHAR *cli_remote_name(const WCHAR *name)
{
    /* URLs and UNC names go to the DLL as given; plain paths (a source on
     * a local or mapped drive) are made absolute like local names. */
    if (wcsstr(name, L"://") || (name[0] == L'\\' && name[1] == L'\\') || !*name)
        return _wcsdup(name);
    return cli_full_path(name);
}

/* ------------------------------------------------------------------ */
/* the job snapshot                                                     */
/* ------------------------------------------------------------------ */

static DWORD langid(void)
{
    return LANGIDFROMLCID(GetThreadLocale());
}

/* Takes a CoTaskMem string and returns it as malloc'd UTF-8. */
static char *take_co(WCHAR *w)
{
    char *s = cli_utf8(w);
    size_t n = s ? strlen(s) : 0;

    CoTaskMemFree(w);
    /* Message texts often end in a line break. */
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = 0;
    return s;
}

static void load_error(IBackgroundCopyJob *job, cli_job_info *info)
{
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyFile *file = NULL;
    WCHAR *text;

    /* The job may have left the error state since GetState: then there
     * is simply no error to show. */
    if (FAILED(IBackgroundCopyJob_GetError(job, &error)) || !error)
        return;
    if (SUCCEEDED(IBackgroundCopyError_GetError(error, &info->error_context, &info->error_code))) {
        info->has_error = TRUE;
        text = NULL;
        if (SUCCEEDED(IBackgroundCopyError_GetErrorDescription(error, langid(), &text)) && text)
            info->error_description = take_co(text);
        text = NULL;
        if (SUCCEEDED(IBackgroundCopyError_GetErrorContextDescription(error, langid(), &text)) && text)
            info->error_context_description = take_co(text);
        if (SUCCEEDED(IBackgroundCopyError_GetFile(error, &file)) && file) {
            text = NULL;
            if (SUCCEEDED(IBackgroundCopyFile_GetRemoteName(file, &text)) && text)
                info->error_remote = take_co(text);
            text = NULL;
            if (SUCCEEDED(IBackgroundCopyFile_GetLocalName(file, &text)) && text)
                info->error_local = take_co(text);
            IBackgroundCopyFile_Release(file);
        }
    }
    IBackgroundCopyError_Release(error);
}

/* Where the file's bytes came from: a DO cache host or the origin. */
static void load_sources(IBackgroundCopyFile *file, cli_file_info *item)
{
    IDeliveryOptimizationFile *dofile = NULL;
    DOSwarmStats stats;

    if (FAILED(IBackgroundCopyFile_QueryInterface(file, &IID_IDeliveryOptimizationFile, (void **)&dofile)) ||
        !dofile)
        return;
    memset(&stats, 0, sizeof(stats));
    if (SUCCEEDED(IDeliveryOptimizationFile_GetStats(dofile, &stats))) {
        item->has_sources = TRUE;
        item->from_cache = stats.bytesFromDoinc;
        item->from_origin = stats.bytesFromHttp;
        CoTaskMemFree(stats.fileId);
        CoTaskMemFree(stats.sourceURL);
    }
    IDeliveryOptimizationFile_Release(dofile);
}

static HRESULT load_files(IBackgroundCopyJob *job, cli_job_info *info)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile *file;
    ULONG count = 0, fetched, cap = 0;
    cli_file_info *items = NULL, *grown;
    WCHAR *text;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_EnumFiles(job, &files)))
        return hr;
    if (SUCCEEDED(IEnumBackgroundCopyFiles_GetCount(files, &cap)) && cap)
        items = calloc(cap, sizeof(*items));
    for (;;) {
        file = NULL;
        fetched = 0;
        hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched);
        if (hr != S_OK || !fetched || !file) {
            if (file)
                IBackgroundCopyFile_Release(file);
            hr = FAILED(hr) ? hr : S_OK;
            break;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            if (!(grown = realloc(items, cap * sizeof(*items)))) {
                IBackgroundCopyFile_Release(file);
                hr = E_OUTOFMEMORY;
                break;
            }
            items = grown;
        }
        memset(&items[count], 0, sizeof(items[count]));
        text = NULL;
        if (SUCCEEDED(IBackgroundCopyFile_GetRemoteName(file, &text)) && text)
            items[count].remote = take_co(text);
        text = NULL;
        if (SUCCEEDED(IBackgroundCopyFile_GetLocalName(file, &text)) && text)
            items[count].local = take_co(text);
        IBackgroundCopyFile_GetProgress(file, &items[count].progress);
        load_sources(file, &items[count]);
        IBackgroundCopyFile_Release(file);
        count++;
    }
    IEnumBackgroundCopyFiles_Release(files);
    info->files = items;
    info->file_count = count;
    info->has_files = TRUE;
    return hr;
}

HRESULT cli_job_info_load(cli_ctx *ctx, IBackgroundCopyJob *job, BOOL with_files, cli_job_info *info)
{
    GUID id;
    WCHAR *text, *list, *bypass;
    HRESULT hr;

    (void)ctx;
    memset(info, 0, sizeof(*info));
    if (FAILED(hr = IBackgroundCopyJob_GetId(job, &id)))
        return hr;
    cli_fmt_guid(info->guid, 40, &id);
    if (FAILED(hr = IBackgroundCopyJob_GetState(job, &info->state)) ||
        FAILED(hr = IBackgroundCopyJob_GetProgress(job, &info->progress)) ||
        FAILED(hr = IBackgroundCopyJob_GetTimes(job, &info->times)) ||
        FAILED(hr = IBackgroundCopyJob_GetPriority(job, &info->priority)))
        return hr;
    IBackgroundCopyJob_GetErrorCount(job, &info->error_count);
    IBackgroundCopyJob_GetMinimumRetryDelay(job, &info->retry_delay);
    IBackgroundCopyJob_GetNoProgressTimeout(job, &info->no_progress_timeout);
    text = NULL;
    if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &text)) && text)
        info->name = take_co(text);
    text = NULL;
    if (SUCCEEDED(IBackgroundCopyJob_GetDescription(job, &text)) && text)
        info->description = take_co(text);
    list = bypass = NULL;
    if (SUCCEEDED(IBackgroundCopyJob_GetProxySettings(job, &info->proxy_usage, &list, &bypass))) {
        info->proxy_list = list && *list ? take_co(list) : (CoTaskMemFree(list), NULL);
        info->proxy_bypass = bypass && *bypass ? take_co(bypass) : (CoTaskMemFree(bypass), NULL);
    }
    if (info->state == BG_JOB_STATE_ERROR || info->state == BG_JOB_STATE_TRANSIENT_ERROR)
        load_error(job, info);
    if (with_files && FAILED(hr = load_files(job, info)))
        return hr;
    return S_OK;
}

void cli_job_info_free(cli_job_info *info)
{
    ULONG i;

    free(info->name);
    free(info->description);
    free(info->proxy_list);
    free(info->proxy_bypass);
    free(info->error_description);
    free(info->error_context_description);
    free(info->error_remote);
    free(info->error_local);
    for (i = 0; i < info->file_count; i++) {
        free(info->files[i].remote);
        free(info->files[i].local);
    }
    free(info->files);
    memset(info, 0, sizeof(*info));
}

static void json_time(cli_json *j, const char *key, const FILETIME *ft)
{
    char text[40];

    if (cli_fmt_time_iso(text, sizeof(text), ft))
        cli_json_str(j, key, text);
    else
        cli_json_null(j, key);
}

static void json_size(cli_json *j, const char *key, UINT64 v)
{
    if (v == BG_SIZE_UNKNOWN)
        cli_json_null(j, key);
    else
        cli_json_u64(j, key, v);
}

void cli_job_info_json(cli_json *j, const char *key, const cli_job_info *info)
{
    ULONG i;

    cli_json_obj_begin(j, key);
    cli_json_wstr(j, "id", info->guid);
    cli_json_str(j, "name", info->name);
    cli_json_str(j, "description", info->description);
    cli_json_str(j, "state", cli_state_name(info->state));
    cli_json_str(j, "priority", cli_priority_name(info->priority));
    json_size(j, "bytes_total", info->progress.BytesTotal);
    cli_json_u64(j, "bytes_transferred", info->progress.BytesTransferred);
    cli_json_u64(j, "files_total", info->progress.FilesTotal);
    cli_json_u64(j, "files_transferred", info->progress.FilesTransferred);
    json_time(j, "created", &info->times.CreationTime);
    json_time(j, "modified", &info->times.ModificationTime);
    json_time(j, "transfer_completed", &info->times.TransferCompletionTime);
    cli_json_u64(j, "error_count", info->error_count);
    cli_json_u64(j, "minimum_retry_delay", info->retry_delay);
    cli_json_u64(j, "no_progress_timeout", info->no_progress_timeout);
    cli_json_obj_begin(j, "proxy");
    cli_json_str(j, "usage", cli_proxy_name(info->proxy_usage));
    cli_json_str(j, "list", info->proxy_list);
    cli_json_str(j, "bypass", info->proxy_bypass);
    cli_json_obj_end(j);
    if (info->has_error) {
        cli_json_obj_begin(j, "error");
        cli_json_hr(j, "code", info->error_code);
        cli_json_str(j, "context", cli_context_name(info->error_context));
        cli_json_str(j, "description", info->error_description);
        cli_json_str(j, "context_description", info->error_context_description);
        cli_json_str(j, "remote", info->error_remote);
        cli_json_str(j, "local", info->error_local);
        cli_json_obj_end(j);
    } else {
        cli_json_null(j, "error");
    }
    if (info->has_files) {
        cli_json_arr_begin(j, "files");
        for (i = 0; i < info->file_count; i++) {
            cli_json_obj_begin(j, NULL);
            cli_json_str(j, "remote", info->files[i].remote);
            cli_json_str(j, "local", info->files[i].local);
            json_size(j, "bytes_total", info->files[i].progress.BytesTotal);
            cli_json_u64(j, "bytes_transferred", info->files[i].progress.BytesTransferred);
            cli_json_bool(j, "completed", info->files[i].progress.Completed);
            if (info->files[i].has_sources) {
                cli_json_u64(j, "bytes_from_cache_host", info->files[i].from_cache);
                cli_json_u64(j, "bytes_from_origin", info->files[i].from_origin);
            }
            cli_json_obj_end(j);
        }
        cli_json_arr_end(j);
    }
    cli_json_obj_end(j);
}

/* "45.1%", "?" for an unknown size, "-" for nothing to do. */
static void fmt_percent(char *buf, size_t size, UINT64 done, UINT64 total)
{
    if (total == BG_SIZE_UNKNOWN)
        snprintf(buf, size, "?");
    else if (!total)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f%%", 100.0 * (double)done / (double)total);
}

static void fmt_amount(char *buf, size_t size, UINT64 done, UINT64 total)
{
    char a[32], b[32];

    cli_fmt_bytes(a, sizeof(a), done);
    if (total == BG_SIZE_UNKNOWN)
        snprintf(b, sizeof(b), "?");
    else
        cli_fmt_bytes(b, sizeof(b), total);
    snprintf(buf, size, "%s / %s", a, b);
}

void cli_job_error_print(int stream, const cli_job_info *info)
{
    if (!info->has_error) {
        cli_print(stream, "bitsdo: job %s is %s (no error information)\n", cli_u8(info->guid),
                  cli_state_name(info->state));
        return;
    }
    cli_print(stream, "bitsdo: %s 0x%08lx (%s): %s\n",
              info->state == BG_JOB_STATE_TRANSIENT_ERROR ? "transient error" : "error",
              (unsigned long)info->error_code, cli_context_name(info->error_context),
              info->error_description ? info->error_description : "no description");
    if (info->error_context_description)
        cli_print(stream, "bitsdo:   context: %s\n", info->error_context_description);
    if (info->error_remote || info->error_local)
        cli_print(stream, "bitsdo:   file: %s -> %s\n", info->error_remote ? info->error_remote : "?",
                  info->error_local ? info->error_local : "?");
}

void cli_job_info_print(const cli_job_info *info)
{
    char pct[16], amount[64], t1[40], t2[40], t3[40];
    ULONG i;

    fmt_percent(pct, sizeof(pct), info->progress.BytesTransferred, info->progress.BytesTotal);
    fmt_amount(amount, sizeof(amount), info->progress.BytesTransferred, info->progress.BytesTotal);
    cli_fmt_time_local(t1, sizeof(t1), &info->times.CreationTime);
    cli_fmt_time_local(t2, sizeof(t2), &info->times.ModificationTime);
    cli_fmt_time_local(t3, sizeof(t3), &info->times.TransferCompletionTime);

    cli_print(CLI_STDOUT, "job %s\n", cli_u8(info->guid));
    cli_print(CLI_STDOUT, "  name          %s\n", info->name ? info->name : "");
    if (info->description && *info->description)
        cli_print(CLI_STDOUT, "  description   %s\n", info->description);
    cli_print(CLI_STDOUT, "  state         %s\n", cli_state_name(info->state));
    cli_print(CLI_STDOUT, "  priority      %s\n", cli_priority_name(info->priority));
    cli_print(CLI_STDOUT, "  progress      %s  %s  (%lu of %lu files)\n", pct, amount,
              info->progress.FilesTransferred, info->progress.FilesTotal);
    cli_print(CLI_STDOUT, "  created       %s\n", t1);
    cli_print(CLI_STDOUT, "  modified      %s\n", t2);
    cli_print(CLI_STDOUT, "  transferred   %s\n", t3);
    cli_print(CLI_STDOUT, "  errors        %lu (retry delay %lu s, no-progress timeout %lu s)\n",
              info->error_count, info->retry_delay, info->no_progress_timeout);
    cli_print(CLI_STDOUT, "  proxy         %s%s%s%s%s\n", cli_proxy_name(info->proxy_usage),
              info->proxy_list ? " " : "", info->proxy_list ? info->proxy_list : "",
              info->proxy_bypass ? ", bypass " : "", info->proxy_bypass ? info->proxy_bypass : "");
    if (info->has_error) {
        cli_print(CLI_STDOUT, "  error         0x%08lx (%s): %s\n", (unsigned long)info->error_code,
                  cli_context_name(info->error_context),
                  info->error_description ? info->error_description : "no description");
        if (info->error_context_description)
            cli_print(CLI_STDOUT, "                %s\n", info->error_context_description);
        if (info->error_remote || info->error_local)
            cli_print(CLI_STDOUT, "                file %s -> %s\n",
                      info->error_remote ? info->error_remote : "?",
                      info->error_local ? info->error_local : "?");
    }
    if (info->has_files) {
        cli_print(CLI_STDOUT, "  files         %lu\n", info->file_count);
        for (i = 0; i < info->file_count; i++) {
            const cli_file_info *f = &info->files[i];

            fmt_percent(pct, sizeof(pct), f->progress.BytesTransferred, f->progress.BytesTotal);
            fmt_amount(amount, sizeof(amount), f->progress.BytesTransferred, f->progress.BytesTotal);
            cli_print(CLI_STDOUT, "    %3lu  %6s  %-24s %s%s\n", i + 1, pct, amount,
                      f->remote ? f->remote : "?", f->progress.Completed ? "  (complete)" : "");
            cli_print(CLI_STDOUT, "         -> %s\n", f->local ? f->local : "?");
            if (f->has_sources && f->from_cache)
                cli_print(CLI_STDOUT, "         %llu bytes from a cache host, %llu from the origin\n",
                          (unsigned long long)f->from_cache, (unsigned long long)f->from_origin);
        }
    }
}

/* ------------------------------------------------------------------ */
/* commands                                                             */
/* ------------------------------------------------------------------ */

int cli_open_job(cli_ctx *ctx, const WCHAR *text, IBackgroundCopyJob **job)
{
    GUID id;
    HRESULT hr;

    *job = NULL;
    if (!cli_parse_guid(text, &id))
        return cli_usage_error(ctx, "not a job GUID: '%s'", cli_u8(text));
    if (FAILED(hr = cli_manager(ctx)))
        return CLI_EXIT_FAILED;
    if (ctx->json)
        cli_json_wstr(ctx->json, "id", text);
    hr = IBackgroundCopyManager_GetJob(ctx->manager, &id, job);
    if (hr == (HRESULT)BG_E_NOT_FOUND)
        return cli_fail(ctx, hr, "job %s not found (`bitsdo list` shows your jobs; a completed or "
                                 "cancelled job is gone)", cli_u8(text));
    if (FAILED(hr))
        return cli_fail(ctx, hr, "GetJob %s", cli_u8(text));
    return CLI_EXIT_OK;
}

/* Adds the job's state after a command to its JSON or text output. */
static void report_state(cli_ctx *ctx, IBackgroundCopyJob *job, const char *what, const WCHAR *guid)
{
    BG_JOB_STATE state;

    if (FAILED(IBackgroundCopyJob_GetState(job, &state)))
        state = (BG_JOB_STATE)-1;
    if (ctx->json)
        cli_json_str(ctx->json, "state", cli_state_name(state));
    else if (!ctx->opts.quiet)
        cli_print(CLI_STDOUT, "job %s %s; state %s\n", cli_u8(guid), what, cli_state_name(state));
}

int cli_cmd_create(cli_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job = NULL;
    WCHAR guid[40];
    GUID id;
    HRESULT hr;

    if (argc != 1)
        return cli_usage_error(ctx, "usage: bitsdo create NAME");
    if (FAILED(cli_manager(ctx)))
        return CLI_EXIT_FAILED;
    hr = IBackgroundCopyManager_CreateJob(ctx->manager, argv[0], BG_JOB_TYPE_DOWNLOAD, &id, &job);
    if (FAILED(hr))
        return cli_fail(ctx, hr, "CreateJob '%s'", cli_u8(argv[0]));
    cli_fmt_guid(guid, 40, &id);
    wcscpy(ctx->last_job, guid);
    if (ctx->opts.priority >= 0 &&
        FAILED(hr = IBackgroundCopyJob_SetPriority(job, (BG_JOB_PRIORITY)ctx->opts.priority))) {
        IBackgroundCopyJob_Release(job);
        return cli_fail(ctx, hr, "SetPriority");
    }
    if (ctx->json) {
        cli_json_wstr(ctx->json, "id", guid);
        cli_json_wstr(ctx->json, "name", argv[0]);
    } else {
        cli_print(CLI_STDOUT, "%s\n", cli_u8(guid));
    }
    IBackgroundCopyJob_Release(job);
    return CLI_EXIT_OK;
}

int cli_cmd_addfile(cli_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;
    WCHAR *remote, *local;
    HRESULT hr;
    int rc;

    if (argc != 3)
        return cli_usage_error(ctx, "usage: bitsdo addfile GUID URL FILE");
    if ((rc = cli_open_job(ctx, argv[0], &job)))
        return rc;
    remote = cli_remote_name(argv[1]);
    local = cli_full_path(argv[2]);
    if (ctx->json) {
        cli_json_wstr(ctx->json, "remote", remote);
        cli_json_wstr(ctx->json, "local", local);
    }
    hr = IBackgroundCopyJob_AddFile(job, remote, local);
    if (FAILED(hr))
        rc = cli_fail(ctx, hr, "AddFile %s -> %s", cli_u8(remote), cli_u8(local));
    else if (!ctx->json && !ctx->opts.quiet)
        cli_print(CLI_STDOUT, "added %s -> %s\n", cli_u8(remote), cli_u8(local));
    free(remote);
    free(local);
    IBackgroundCopyJob_Release(job);
    return rc;
}

/* resume, suspend, cancel, complete: argv[-1] is the command name. */
int cli_cmd_simple(cli_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;
    const char *what;
    HRESULT hr;
    int rc;

    if (argc != 1)
        return cli_usage_error(ctx, "usage: bitsdo %s GUID", ctx->command);
    if ((rc = cli_open_job(ctx, argv[0], &job)))
        return rc;
    if (!strcmp(ctx->command, "resume")) {
        hr = IBackgroundCopyJob_Resume(job);
        what = "resumed";
    } else if (!strcmp(ctx->command, "suspend")) {
        hr = IBackgroundCopyJob_Suspend(job);
        what = "suspended";
    } else if (!strcmp(ctx->command, "cancel")) {
        hr = IBackgroundCopyJob_Cancel(job);
        what = "cancelled";
    } else {
        hr = IBackgroundCopyJob_Complete(job);
        what = "completed";
    }
    if (ctx->json)
        cli_json_hr(ctx->json, "hresult", hr);
    if (FAILED(hr)) {
        rc = cli_fail(ctx, hr, "%s %s", ctx->command, cli_u8(argv[0]));
    } else {
        if (hr == (HRESULT)BG_S_PARTIAL_COMPLETE && !ctx->json)
            cli_print(CLI_STDERR, "bitsdo: note: only the transferred files were kept (BG_S_PARTIAL_COMPLETE)\n");
        if (hr == (HRESULT)BG_S_UNABLE_TO_DELETE_FILES && !ctx->json)
            cli_print(CLI_STDERR, "bitsdo: note: some temporary files could not be deleted "
                                  "(BG_S_UNABLE_TO_DELETE_FILES)\n");
        report_state(ctx, job, what, argv[0]);
    }
    IBackgroundCopyJob_Release(job);
    return rc;
}

int cli_cmd_list(cli_ctx *ctx, int argc, WCHAR **argv)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job;
    cli_job_info info;
    ULONG fetched, count = 0;
    HRESULT hr;
    int rc = CLI_EXIT_OK;

    (void)argv;
    if (argc != 0)
        return cli_usage_error(ctx, "usage: bitsdo list");
    if (FAILED(cli_manager(ctx)))
        return CLI_EXIT_FAILED;
    if (FAILED(hr = IBackgroundCopyManager_EnumJobs(ctx->manager, 0, &jobs)))
        return cli_fail(ctx, hr, "EnumJobs");
    if (ctx->json)
        cli_json_arr_begin(ctx->json, "jobs");
    for (;;) {
        job = NULL;
        fetched = 0;
        hr = IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched);
        if (hr != S_OK || !fetched || !job) {
            if (job)
                IBackgroundCopyJob_Release(job);
            break;
        }
        hr = cli_job_info_load(ctx, job, FALSE, &info);
        IBackgroundCopyJob_Release(job);
        if (FAILED(hr))
            continue; /* cancelled and gone meanwhile */
        count++;
        if (ctx->json) {
            cli_job_info_json(ctx->json, NULL, &info);
        } else {
            char pct[16], amount[64];

            fmt_percent(pct, sizeof(pct), info.progress.BytesTransferred, info.progress.BytesTotal);
            fmt_amount(amount, sizeof(amount), info.progress.BytesTransferred, info.progress.BytesTotal);
            cli_print(CLI_STDOUT, "%s  %-15s %-10s %6s  %-22s %3lu file%s  %s\n", cli_u8(info.guid),
                      cli_state_name(info.state), cli_priority_name(info.priority), pct, amount,
                      info.progress.FilesTotal, info.progress.FilesTotal == 1 ? " " : "s",
                      info.name ? info.name : "");
        }
        cli_job_info_free(&info);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    if (FAILED(hr))
        rc = cli_fail(ctx, hr, "IEnumBackgroundCopyJobs::Next");
    if (ctx->json) {
        cli_json_arr_end(ctx->json);
        cli_json_u64(ctx->json, "count", count);
    } else if (!ctx->opts.quiet) {
        cli_print(CLI_STDOUT, "%lu job%s\n", count, count == 1 ? "" : "s");
    }
    return rc;
}

int cli_cmd_info(cli_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;
    cli_job_info info;
    HRESULT hr;
    int rc;

    if (argc != 1)
        return cli_usage_error(ctx, "usage: bitsdo info GUID");
    if ((rc = cli_open_job(ctx, argv[0], &job)))
        return rc;
    hr = cli_job_info_load(ctx, job, TRUE, &info);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr)) {
        cli_job_info_free(&info);
        return cli_fail(ctx, hr, "reading job %s", cli_u8(argv[0]));
    }
    if (ctx->json)
        cli_job_info_json(ctx->json, "job", &info);
    else
        cli_job_info_print(&info);
    cli_job_info_free(&info);
    return CLI_EXIT_OK;
}

int cli_cmd_setpriority(cli_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;
    BG_JOB_PRIORITY priority;
    HRESULT hr;
    int rc;

    if (argc != 2)
        return cli_usage_error(ctx, "usage: bitsdo setpriority GUID foreground|high|normal|low");
    if (!cli_parse_priority(argv[1], &priority))
        return cli_usage_error(ctx, "unknown priority '%s' (foreground, high, normal or low)", cli_u8(argv[1]));
    if ((rc = cli_open_job(ctx, argv[0], &job)))
        return rc;
    if (ctx->json)
        cli_json_str(ctx->json, "priority", cli_priority_name(priority));
    if (FAILED(hr = IBackgroundCopyJob_SetPriority(job, priority)))
        rc = cli_fail(ctx, hr, "SetPriority %s", cli_priority_name(priority));
    else if (!ctx->json && !ctx->opts.quiet)
        cli_print(CLI_STDOUT, "job %s priority %s\n", cli_u8(argv[0]), cli_priority_name(priority));
    IBackgroundCopyJob_Release(job);
    return rc;
}

int cli_cmd_setproxy(cli_ctx *ctx, int argc, WCHAR **argv)
{
    static const WCHAR *const names[] = {L"preconfig", L"no_proxy", L"override", L"autodetect"};
    IBackgroundCopyJob *job;
    BG_JOB_PROXY_USAGE usage = BG_JOB_PROXY_USAGE_PRECONFIG;
    const WCHAR *list = NULL, *bypass = NULL;
    BOOL known = FALSE;
    HRESULT hr;
    unsigned i;
    int rc;

    if (argc >= 2) {
        for (i = 0; i < 4; i++) {
            if (!_wcsicmp(argv[1], names[i])) {
                usage = (BG_JOB_PROXY_USAGE)i;
                known = TRUE;
            }
        }
    }
    if (!known || (usage == BG_JOB_PROXY_USAGE_OVERRIDE ? argc < 3 || argc > 4 : argc != 2))
        return cli_usage_error(ctx, "usage: bitsdo setproxy GUID preconfig|no_proxy|autodetect\n"
                                    "       bitsdo setproxy GUID override PROXY [BYPASS]");
    if (usage == BG_JOB_PROXY_USAGE_OVERRIDE) {
        list = argv[2];
        bypass = argc == 4 ? argv[3] : NULL;
    }
    if ((rc = cli_open_job(ctx, argv[0], &job)))
        return rc;
    if (ctx->json) {
        cli_json_str(ctx->json, "usage", cli_proxy_name(usage));
        cli_json_wstr(ctx->json, "list", list);
        cli_json_wstr(ctx->json, "bypass", bypass);
    }
    if (FAILED(hr = IBackgroundCopyJob_SetProxySettings(job, usage, list, bypass)))
        rc = cli_fail(ctx, hr, "SetProxySettings %s", cli_proxy_name(usage));
    else if (!ctx->json && !ctx->opts.quiet)
        cli_print(CLI_STDOUT, "job %s proxy %s%s%s%s%s\n", cli_u8(argv[0]), cli_proxy_name(usage),
                  list ? " " : "", list ? cli_u8(list) : "", bypass ? ", bypass " : "",
                  bypass ? cli_u8(bypass) : "");
    IBackgroundCopyJob_Release(job);
    return rc;
}
