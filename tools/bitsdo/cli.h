/*
 * cli.h - private declarations of the bitsdo command-line client.
 *
 * SPDX-License-Identifier: MIT
 *
 * The client talks to bitsdo.dll only through the public COM interfaces
 * of "bitsdo.h" (IBackgroundCopyManager and friends, activated with
 * CLSID_BitsdoManager through the registry). The DLL hands it the jobs of
 * the per-user host (bitsdo-host.exe), so every bitsdo process sees the
 * same jobs and a job outlives the command that created it.
 *
 *   bitsdo.c   wmain, option parsing, command dispatch, help, shell mode
 *   jobs.c     the per-job commands and the job snapshot (info, list, ...)
 *   watch.c    the progress loop shared by `transfer` and `monitor`, Ctrl-C
 *   out.c      UTF-8 console/pipe output, JSON writer, human formatting
 */
#ifndef BITSDO_CLI_H
#define BITSDO_CLI_H

#include "bitsdo.h"

#include <stdarg.h>
#include <stddef.h>

#define CLI_VERSION "0.1.0"

/* Exit codes. */
#define CLI_EXIT_OK 0       /* the command did what it was asked */
#define CLI_EXIT_FAILED 1   /* a transfer error, or a call into the DLL failed */
#define CLI_EXIT_USAGE 2    /* bad command line */

#define CLI_STDOUT 1
#define CLI_STDERR 2

/* ------------------------------------------------------------------ */
/* out.c: output                                                        */
/* ------------------------------------------------------------------ */

/* A growable UTF-8 buffer. */
typedef struct cli_buf {
    char *data;
    size_t len;
    size_t cap;
} cli_buf;

void cli_buf_free(cli_buf *b);
void cli_buf_putn(cli_buf *b, const char *s, size_t n);
void cli_buf_puts(cli_buf *b, const char *s);
void cli_buf_putc(cli_buf *b, char c);
void cli_buf_putw(cli_buf *b, const WCHAR *w);   /* as UTF-8 */
void cli_buf_printf(cli_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_buf_vprintf(cli_buf *b, const char *fmt, va_list ap);

/* Writes UTF-8 text: WriteConsoleW on a console, raw UTF-8 bytes otherwise. */
void cli_write(int stream, const char *utf8, size_t len);
void cli_print(int stream, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
BOOL cli_is_console(int stream);
/* Columns of the console behind `stream` (80 when unknown). */
int cli_console_width(int stream);

char *cli_utf8(const WCHAR *w);          /* malloc'd; NULL stays NULL */
/* UTF-8 of w for a format argument: valid until 16 more calls ("" for NULL). */
const char *cli_u8(const WCHAR *w);
WCHAR *cli_wide(const char *s);          /* malloc'd */

/* Human formatting into caller buffers of at least 32 chars. */
void cli_fmt_bytes(char *buf, size_t size, UINT64 n);
void cli_fmt_rate(char *buf, size_t size, double bytes_per_second);
void cli_fmt_duration(char *buf, size_t size, double seconds);
/* FALSE (and "-" / "") for a zero FILETIME. */
BOOL cli_fmt_time_local(char *buf, size_t size, const FILETIME *ft);
BOOL cli_fmt_time_iso(char *buf, size_t size, const FILETIME *ft);
void cli_fmt_guid(WCHAR *buf, size_t count, const GUID *id);   /* {xxxxxxxx-...}, count >= 39 */

/* One JSON value built in memory, written as one line. */
#define CLI_JSON_MAX_DEPTH 16
typedef struct cli_json {
    cli_buf buf;
    int depth;
    BOOL comma[CLI_JSON_MAX_DEPTH];
    char closer[CLI_JSON_MAX_DEPTH];
} cli_json;

void cli_json_init(cli_json *j);                    /* opens the top-level object */
void cli_json_obj_begin(cli_json *j, const char *key);
void cli_json_obj_end(cli_json *j);
void cli_json_arr_begin(cli_json *j, const char *key);
void cli_json_arr_end(cli_json *j);
void cli_json_str(cli_json *j, const char *key, const char *utf8);     /* NULL -> null */
void cli_json_wstr(cli_json *j, const char *key, const WCHAR *w);      /* NULL -> null */
void cli_json_u64(cli_json *j, const char *key, UINT64 v);
void cli_json_int(cli_json *j, const char *key, long long v);
void cli_json_num(cli_json *j, const char *key, double v);
void cli_json_bool(cli_json *j, const char *key, BOOL v);
void cli_json_null(cli_json *j, const char *key);
void cli_json_hr(cli_json *j, const char *key, HRESULT hr);           /* "0x80200001" */
/* Closes the top-level object, writes it and a newline to stdout, frees. */
void cli_json_emit(cli_json *j);
void cli_json_free(cli_json *j);

/* ------------------------------------------------------------------ */
/* bitsdo.c: context shared by the commands                             */
/* ------------------------------------------------------------------ */

typedef struct cli_opts {
    BOOL json;
    BOOL quiet;
    BOOL detach;                /* transfer: exit once the job is resumed */
    double timeout;             /* seconds; 0 = no bound */
    int priority;               /* BG_JOB_PRIORITY, or -1 for the command's default */
    long retry_delay;           /* seconds, or -1 to keep the job's */
    long no_progress_timeout;   /* seconds, or -1 to keep the job's */
    const WCHAR *name;          /* job name for transfer, or NULL */
} cli_opts;

typedef struct cli_ctx {
    IBackgroundCopyManager *manager;   /* NULL until a command needs it */
    cli_opts opts;
    const char *command;               /* the command's name, for JSON */
    cli_json *json;                    /* the command's JSON object, or NULL */
    /* The outcome of the current command, set by cli_fail. */
    BOOL failed;
    HRESULT error_hr;                  /* S_OK when no HRESULT is involved */
    char error_message[1024];
    /* The job the last `create` or `transfer` made (shell mode's $JOB). */
    WCHAR last_job[40];
    BOOL in_shell;
} cli_ctx;

/* Records the failure of the current command; prints it to stderr unless
 * --json (then it goes into the JSON object). hr may be S_OK. Returns
 * CLI_EXIT_FAILED. */
int cli_fail(cli_ctx *ctx, HRESULT hr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* cli_fail with the description given (e.g. IBackgroundCopyError's). */
int cli_fail_desc(cli_ctx *ctx, HRESULT hr, const char *description, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Like cli_fail for a bad command line; returns CLI_EXIT_USAGE. */
int cli_usage_error(cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text for an HRESULT: the DLL's GetErrorDescription, else the system's
 * message table, else "unknown error"; trailing blanks trimmed. */
void cli_describe(cli_ctx *ctx, HRESULT hr, char *buf, size_t size);
/* Connects to bitsdo.dll (CoCreateInstance of CLSID_BitsdoManager). */
HRESULT cli_manager(cli_ctx *ctx);

/* ------------------------------------------------------------------ */
/* jobs.c                                                               */
/* ------------------------------------------------------------------ */

const char *cli_state_name(BG_JOB_STATE state);
const char *cli_priority_name(BG_JOB_PRIORITY priority);
const char *cli_context_name(BG_ERROR_CONTEXT context);
const char *cli_proxy_name(BG_JOB_PROXY_USAGE usage);
BOOL cli_parse_priority(const WCHAR *s, BG_JOB_PRIORITY *out);
BOOL cli_state_is_active(BG_JOB_STATE state);   /* queued .. transient error */

/* Parses a job GUID (with or without braces). */
BOOL cli_parse_guid(const WCHAR *s, GUID *out);
/* Makes a local name absolute (GetFullPathNameW); malloc'd. Remote names
 * that are plain paths (no "scheme://", not UNC) get the same treatment. */
WCHAR *cli_full_path(const WCHAR *name);
WCHAR *cli_remote_name(const WCHAR *name);

typedef struct cli_file_info {
    char *remote;
    char *local;
    BG_FILE_PROGRESS progress;
    /* IDeliveryOptimizationFile::GetStats: bytes from a DO cache host and
     * from the origin (has_sources FALSE when the file does not say). */
    BOOL has_sources;
    UINT64 from_cache, from_origin;
} cli_file_info;

/* Everything the client shows about a job, read through the interfaces. */
typedef struct cli_job_info {
    WCHAR guid[40];
    char *name;
    char *description;
    BG_JOB_STATE state;
    BG_JOB_PRIORITY priority;
    BG_JOB_PROGRESS progress;
    BG_JOB_TIMES times;
    ULONG error_count;
    ULONG retry_delay;
    ULONG no_progress_timeout;
    BG_JOB_PROXY_USAGE proxy_usage;
    char *proxy_list;
    char *proxy_bypass;
    /* The error, when the job is in ERROR or TRANSIENT_ERROR. */
    BOOL has_error;
    HRESULT error_code;
    BG_ERROR_CONTEXT error_context;
    char *error_description;
    char *error_context_description;
    char *error_remote;
    char *error_local;
    /* The files (only when asked for). */
    BOOL has_files;
    ULONG file_count;
    cli_file_info *files;
} cli_job_info;

HRESULT cli_job_info_load(cli_ctx *ctx, IBackgroundCopyJob *job, BOOL with_files, cli_job_info *info);
void cli_job_info_free(cli_job_info *info);
void cli_job_info_json(cli_json *j, const char *key, const cli_job_info *info);
void cli_job_info_print(const cli_job_info *info);
/* "ERROR 0x80070002 (REMOTE_FILE): text; context text; file R -> L" */
void cli_job_error_print(int stream, const cli_job_info *info);

/* Finds a job by GUID string; on failure reports it (cli_fail / usage). */
int cli_open_job(cli_ctx *ctx, const WCHAR *guid, IBackgroundCopyJob **job);

int cli_cmd_create(cli_ctx *ctx, int argc, WCHAR **argv);
int cli_cmd_addfile(cli_ctx *ctx, int argc, WCHAR **argv);
int cli_cmd_simple(cli_ctx *ctx, int argc, WCHAR **argv);   /* resume suspend cancel complete */
int cli_cmd_list(cli_ctx *ctx, int argc, WCHAR **argv);
int cli_cmd_info(cli_ctx *ctx, int argc, WCHAR **argv);
int cli_cmd_setpriority(cli_ctx *ctx, int argc, WCHAR **argv);
int cli_cmd_setproxy(cli_ctx *ctx, int argc, WCHAR **argv);

/* ------------------------------------------------------------------ */
/* watch.c                                                              */
/* ------------------------------------------------------------------ */

/* Ctrl-C / console close: while armed, the handler only signals the
 * current wait, which then stops (and `transfer` cancels its job). */
void cli_ctrl_init(void);
void cli_ctrl_arm(BOOL armed);
BOOL cli_ctrl_stopped(void);
void cli_ctrl_reset(void);
void cli_ctrl_done(void);   /* cleanup finished: a closing console may go on */

typedef enum cli_watch_end {
    CLI_WATCH_SETTLED,      /* every watched job left the active states */
    CLI_WATCH_TIMEOUT,
    CLI_WATCH_INTERRUPTED,
    CLI_WATCH_FAILED        /* a call failed (reported) */
} cli_watch_end;

typedef enum cli_watch_mode {
    CLI_WATCH_TRANSFER,     /* one job, bar only, error states as lines */
    CLI_WATCH_MONITOR       /* any number of jobs, every state change as a line */
} cli_watch_mode;

/* Polls the jobs at about 10 Hz until none is active, the --timeout
 * passes or Ctrl-C; shows a progress line (redrawn in place on a console,
 * plain lines otherwise or under --json, nothing under --quiet).
 * `elapsed` receives the seconds waited. */
cli_watch_end cli_watch(cli_ctx *ctx, IBackgroundCopyJob **jobs, size_t count, cli_watch_mode mode,
                        double *elapsed);

int cli_cmd_transfer(cli_ctx *ctx, int argc, WCHAR **argv);
int cli_cmd_monitor(cli_ctx *ctx, int argc, WCHAR **argv);

#endif /* BITSDO_CLI_H */
