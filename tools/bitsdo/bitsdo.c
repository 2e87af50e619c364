/*
 * bitsdo.c - the bitsdo command-line client: wmain, options, dispatch,
 * help and shell mode.
 *
 * SPDX-License-Identifier: MIT
 *
 * A bitsadmin-like program that drives bitsdo.dll through its public COM
 * interfaces only: the manager comes from CoCreateInstance of
 * CLSID_BitsdoManager (registered with regsvr32), everything else from the
 * IBackgroundCopyManager / Job / File / Error methods. The jobs are the
 * per-user host's: each command may run in its own process.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const char help_text[] =
    "bitsdo " CLI_VERSION " - downloads through bitsdo.dll, the BITS-compatible COM server\n"
    "\n"
    "usage: bitsdo COMMAND [OPTIONS] [ARGUMENTS]\n"
    "\n"
    "  transfer URL FILE [URL FILE...]\n"
    "                       download into FILE(s): creates a job, adds the files, resumes it,\n"
    "                       shows progress (percent, bytes, rate, ETA) and completes it; on an\n"
    "                       error prints the error text, cancels the job and exits 1.\n"
    "                       Ctrl-C cancels the job.\n"
    "  transfer --detach URL FILE [URL FILE...]\n"
    "                       creates and resumes the job as above, prints its GUID and exits at\n"
    "                       once; the job goes on in the host (see below): `monitor GUID` shows\n"
    "                       its progress, `complete GUID` gives the files their final names\n"
    "  monitor [GUID]       watch one job, or all your jobs, until none is active any more\n"
    "                       (whichever process started them); Ctrl-C stops watching only\n"
    "  create NAME          create a download job and print its GUID\n"
    "  addfile GUID URL FILE\n"
    "                       add a file to a job\n"
    "  resume GUID          start or restart a job\n"
    "  suspend GUID         pause a job\n"
    "  cancel GUID          cancel a job and delete its temporary files\n"
    "  complete GUID        finish a transferred job: the files get their final names\n"
    "  list                 list the jobs\n"
    "  info GUID            state, progress, error, times and files of a job\n"
    "  setpriority GUID foreground|high|normal|low\n"
    "  setproxy GUID preconfig|no_proxy|autodetect\n"
    "  setproxy GUID override PROXY [BYPASS]\n"
    "  shell                run commands read from stdin, one per line, in this one process;\n"
    "                       $JOB stands for the GUID the last create or transfer made. Jobs\n"
    "                       it leaves unfinished stay in the host like any other job: a\n"
    "                       later `list` shows them, `complete` or `cancel` ends them\n"
    "  help                 this text\n"
    "\n"
    "options (anywhere on the command line):\n"
    "  --json               print one JSON object per command on stdout (progress goes to\n"
    "                       stderr as plain lines)\n"
    "  --quiet              no progress display and no chatter\n"
    "  --timeout SECONDS    bound on the wait of transfer and monitor (default: none);\n"
    "                       transfer cancels its job when the time runs out, monitor only\n"
    "                       stops watching\n"
    "  --detach             transfer: leave the job running in the host and exit at once\n"
    "  --priority P         foreground (the default of transfer), high, normal or low\n"
    "  --name NAME          display name of the transfer's job\n"
    "  --retry-delay S      minimum retry delay of the transfer's job, in seconds\n"
    "  --no-progress-timeout S\n"
    "                       the transfer's job fails after S seconds without progress\n"
    "\n"
    "URL is an http://, https:// or file:// URL, a UNC name or a path; FILE is a path.\n"
    "Relative paths are made absolute. Progress is one line redrawn in place on a\n"
    "console, plain lines once a second otherwise.\n"
    "\n"
    "Jobs live in your per-user host, bitsdo-host.exe beside bitsdo.dll (started on\n"
    "demand), and in its store on disk (%LOCALAPPDATA%\\bitsdo\\jobs): every bitsdo\n"
    "command, in any process, sees the same jobs, and they outlast the process that\n"
    "created them. As with bitsadmin: create, addfile, resume, then monitor and\n"
    "complete in later commands. A job's files get their final names only at complete.\n"
    "\n"
    "exit codes: 0 done, 1 transfer error or failed call, 2 usage error\n";

/* ------------------------------------------------------------------ */
/* errors                                                               */
/* ------------------------------------------------------------------ */

static void trim(char *s)
{
    size_t n = strlen(s);

    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '.'))
        s[--n] = 0;
}

void cli_describe(cli_ctx *ctx, HRESULT hr, char *buf, size_t size)
{
    WCHAR *text = NULL, sys[512];
    char *utf8;

    if (!size)
        return;
    buf[0] = 0;
    if (ctx->manager &&
        SUCCEEDED(IBackgroundCopyManager_GetErrorDescription(ctx->manager, hr,
                                                             LANGIDFROMLCID(GetThreadLocale()), &text)) &&
        text) {
        utf8 = cli_utf8(text);
        CoTaskMemFree(text);
        snprintf(buf, size, "%s", utf8 ? utf8 : "");
        free(utf8);
    } else if (FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)hr, 0, sys,
                              sizeof(sys) / sizeof(sys[0]), NULL)) {
        utf8 = cli_utf8(sys);
        snprintf(buf, size, "%s", utf8 ? utf8 : "");
        free(utf8);
    }
    trim(buf);
    if (!buf[0])
        snprintf(buf, size, "unknown error");
}

static int fail_v(cli_ctx *ctx, HRESULT hr, const char *description, const char *fmt, va_list ap)
{
    char what[512], desc[512];

    vsnprintf(what, sizeof(what), fmt, ap);
    ctx->failed = TRUE;
    ctx->error_hr = hr;
    if (hr != S_OK) {
        if (description) {
            snprintf(desc, sizeof(desc), "%s", description);
            trim(desc);
        } else {
            cli_describe(ctx, hr, desc, sizeof(desc));
        }
        snprintf(ctx->error_message, sizeof(ctx->error_message), "%s: %s", what, desc);
        if (!ctx->json)
            cli_print(CLI_STDERR, "bitsdo: %s (0x%08lx)\n", ctx->error_message, (unsigned long)hr);
    } else {
        snprintf(ctx->error_message, sizeof(ctx->error_message), "%s", what);
        if (!ctx->json)
            cli_print(CLI_STDERR, "bitsdo: %s\n", ctx->error_message);
    }
    return CLI_EXIT_FAILED;
}

int cli_fail(cli_ctx *ctx, HRESULT hr, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fail_v(ctx, hr, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int cli_fail_desc(cli_ctx *ctx, HRESULT hr, const char *description, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fail_v(ctx, hr, description, fmt, ap);
    va_end(ap);
    return rc;
}

int cli_usage_error(cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    ctx->failed = TRUE;
    ctx->error_hr = S_OK;
    va_start(ap, fmt);
    vsnprintf(ctx->error_message, sizeof(ctx->error_message), fmt, ap);
    va_end(ap);
    if (!ctx->json)
        cli_print(CLI_STDERR, "bitsdo: %s\n(`bitsdo help` lists the commands and options)\n", ctx->error_message);
    return CLI_EXIT_USAGE;
}

HRESULT cli_manager(cli_ctx *ctx)
{
    HRESULT hr;

    if (ctx->manager)
        return S_OK;
    hr = CoCreateInstance(&CLSID_BitsdoManager, NULL, CLSCTX_INPROC_SERVER, &IID_IBackgroundCopyManager,
                          (void **)&ctx->manager);
    if (FAILED(hr)) {
        ctx->manager = NULL;
        if (hr == REGDB_E_CLASSNOTREG)
            cli_fail(ctx, hr, "bitsdo.dll is not registered here (run: regsvr32 bitsdo.dll)");
        else
            cli_fail(ctx, hr, "cannot load bitsdo.dll (CoCreateInstance of CLSID_BitsdoManager)");
    }
    return hr;
}

/* ------------------------------------------------------------------ */
/* options                                                              */
/* ------------------------------------------------------------------ */

static BOOL parse_seconds(const WCHAR *s, double *out)
{
    WCHAR *end;
    double v;

    errno = 0;
    v = wcstod(s, &end);
    if (end == s || *end || errno || !(v >= 0) || v > 1e9)
        return FALSE;
    *out = v;
    return TRUE;
}

static BOOL parse_ulong(const WCHAR *s, long *out)
{
    WCHAR *end;
    unsigned long long v;

    if (!*s || *s == L'-' || *s == L'+')
        return FALSE;
    errno = 0;
    v = wcstoull(s, &end, 10);
    if (*end || errno || v > 0xffffffffULL)
        return FALSE;
    *out = (long)v;
    return TRUE;
}

typedef struct command {
    const char *name;
    int (*run)(cli_ctx *ctx, int argc, WCHAR **argv);
} command;

static int cmd_help(cli_ctx *ctx, int argc, WCHAR **argv)
{
    (void)argc;
    (void)argv;
    if (ctx->json)
        cli_json_str(ctx->json, "text", help_text);
    else
        cli_write(CLI_STDOUT, help_text, strlen(help_text));
    return CLI_EXIT_OK;
}

static int cmd_shell(cli_ctx *ctx, int argc, WCHAR **argv);

static const command commands[] = {
    {"transfer", cli_cmd_transfer},
    {"monitor", cli_cmd_monitor},
    {"create", cli_cmd_create},
    {"addfile", cli_cmd_addfile},
    {"resume", cli_cmd_simple},
    {"suspend", cli_cmd_simple},
    {"cancel", cli_cmd_simple},
    {"complete", cli_cmd_simple},
    {"list", cli_cmd_list},
    {"info", cli_cmd_info},
    {"setpriority", cli_cmd_setpriority},
    {"setproxy", cli_cmd_setproxy},
    {"shell", cmd_shell},
    {"help", cmd_help},
};

/* Splits argv into options (into ctx->opts) and positional words (into
 * words, in order). Returns 0 or CLI_EXIT_USAGE (reported). */
static int parse_options(cli_ctx *ctx, int argc, WCHAR **argv, WCHAR **words, int *nwords, BOOL *help)
{
    BOOL only_words = FALSE;
    int i;

    *nwords = 0;
    *help = FALSE;
    for (i = 0; i < argc; i++) {
        WCHAR *arg = argv[i], *value = NULL, name[64];
        const WCHAR *eq;
        size_t len;

        if (only_words || arg[0] != L'-' || !arg[1] || (arg[1] != L'-' && wcscmp(arg, L"-h"))) {
            if (!wcscmp(arg, L"/?") && !only_words)
                *help = TRUE;
            else
                words[(*nwords)++] = arg;
            continue;
        }
        if (!wcscmp(arg, L"--")) {
            only_words = TRUE;
            continue;
        }
        /* --name=value or --name value */
        eq = wcschr(arg, L'=');
        len = eq ? (size_t)(eq - arg) : wcslen(arg);
        if (len >= sizeof(name) / sizeof(name[0]))
            len = sizeof(name) / sizeof(name[0]) - 1;
        memcpy(name, arg, len * sizeof(WCHAR));
        name[len] = 0;
        if (!wcscmp(name, L"--json")) {
            ctx->opts.json = TRUE;
        } else if (!wcscmp(name, L"--quiet")) {
            ctx->opts.quiet = TRUE;
        } else if (!wcscmp(name, L"--detach")) {
            ctx->opts.detach = TRUE;
        } else if (!wcscmp(name, L"--help") || !wcscmp(name, L"-h")) {
            *help = TRUE;
        } else if (!wcscmp(name, L"--timeout") || !wcscmp(name, L"--priority") || !wcscmp(name, L"--name") ||
                   !wcscmp(name, L"--retry-delay") || !wcscmp(name, L"--no-progress-timeout")) {
            if (eq)
                value = (WCHAR *)eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return cli_usage_error(ctx, "%s needs a value", cli_u8(name));
            if (!wcscmp(name, L"--timeout")) {
                if (!parse_seconds(value, &ctx->opts.timeout))
                    return cli_usage_error(ctx, "--timeout wants seconds (a number >= 0), not '%s'", cli_u8(value));
            } else if (!wcscmp(name, L"--priority")) {
                BG_JOB_PRIORITY p;

                if (!cli_parse_priority(value, &p))
                    return cli_usage_error(ctx, "unknown priority '%s' (foreground, high, normal or low)",
                                           cli_u8(value));
                ctx->opts.priority = (int)p;
            } else if (!wcscmp(name, L"--name")) {
                ctx->opts.name = value;
            } else if (!wcscmp(name, L"--retry-delay")) {
                if (!parse_ulong(value, &ctx->opts.retry_delay))
                    return cli_usage_error(ctx, "--retry-delay wants whole seconds, not '%s'", cli_u8(value));
            } else if (!parse_ulong(value, &ctx->opts.no_progress_timeout)) {
                return cli_usage_error(ctx, "--no-progress-timeout wants whole seconds, not '%s'", cli_u8(value));
            }
        } else {
            return cli_usage_error(ctx, "unknown option '%s'", cli_u8(arg));
        }
    }
    return 0;
}

static void reset_outcome(cli_ctx *ctx)
{
    ctx->failed = FALSE;
    ctx->error_hr = S_OK;
    ctx->error_message[0] = 0;
    ctx->command = NULL;
    ctx->json = NULL;
}

/* Runs one command line (argv without the program name). */
static int run_command(cli_ctx *ctx, const cli_opts *defaults, int argc, WCHAR **argv)
{
    WCHAR **words;
    cli_json json;
    const command *cmd = NULL;
    char name[32];
    int nwords = 0, rc;
    size_t i;
    BOOL help;

    reset_outcome(ctx);
    ctx->opts = *defaults;
    if (!(words = calloc((size_t)argc + 1, sizeof(*words))))
        return cli_fail(ctx, E_OUTOFMEMORY, "out of memory");
    /* Options first, so that --json shapes even a usage error. */
    rc = parse_options(ctx, argc, argv, words, &nwords, &help);
    if (ctx->opts.json) {
        cli_json_init(&json);
        ctx->json = &json;
    }
    if (!rc) {
        if (help || !nwords) {
            ctx->command = "help";
            if (!nwords && !help && !ctx->in_shell) {
                rc = cli_usage_error(ctx, "no command given");
            } else {
                rc = cmd_help(ctx, 0, NULL);
            }
        } else {
            snprintf(name, sizeof(name), "%s", cli_u8(words[0]));
            for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                if (!_stricmp(name, commands[i].name))
                    cmd = &commands[i];
            }
            if (!cmd) {
                rc = cli_usage_error(ctx, "unknown command '%s'", name);
            } else if (cmd->run == cmd_shell) {
                /* No object of its own: each command it runs prints one. */
                if (ctx->json) {
                    cli_json_free(ctx->json);
                    ctx->json = NULL;
                }
                ctx->command = cmd->name;
                rc = cmd_shell(ctx, nwords - 1, words + 1);
                free(words);
                return rc;
            } else {
                ctx->command = cmd->name;
                if (ctx->json)
                    cli_json_str(ctx->json, "command", cmd->name);
                rc = cmd->run(ctx, nwords - 1, words + 1);
            }
        }
    }
    if (ctx->json) {
        if (!cmd)
            cli_json_str(ctx->json, "command", ctx->command);
        cli_json_bool(ctx->json, "ok", rc == CLI_EXIT_OK);
        cli_json_int(ctx->json, "exit_code", rc);
        if (ctx->failed) {
            cli_json_obj_begin(ctx->json, "error");
            if (ctx->error_hr != S_OK)
                cli_json_hr(ctx->json, "code", ctx->error_hr);
            else
                cli_json_null(ctx->json, "code");
            cli_json_str(ctx->json, "message", ctx->error_message);
            cli_json_obj_end(ctx->json);
        } else {
            cli_json_null(ctx->json, "error");
        }
        cli_json_emit(ctx->json);
        ctx->json = NULL;
    }
    free(words);
    return rc;
}

/* ------------------------------------------------------------------ */
/* shell mode                                                           */
/* ------------------------------------------------------------------ */

typedef struct line_reader {
    HANDLE h;
    BOOL console;
    char buf[8192];
    size_t len;
    BOOL eof;
} line_reader;

/* Next line of stdin as a malloc'd wide string without its newline; NULL at the end. */
static WCHAR *read_line(line_reader *r)
{
    if (r->console) {
        WCHAR chunk[1024];
        DWORD got = 0;
        size_t len = 0;
        WCHAR *line = NULL, *grown;

        for (;;) {
            if (!ReadConsoleW(r->h, chunk, sizeof(chunk) / sizeof(chunk[0]) - 1, &got, NULL) || !got)
                break;
            if (!(grown = realloc(line, (len + got + 1) * sizeof(WCHAR))))
                break;
            line = grown;
            memcpy(line + len, chunk, got * sizeof(WCHAR));
            len += got;
            line[len] = 0;
            if (line[len - 1] == L'\n')
                break;
        }
        if (!line)
            return NULL;
        while (len && (line[len - 1] == L'\n' || line[len - 1] == L'\r'))
            line[--len] = 0;
        return line;
    }
    for (;;) {
        char *nl = memchr(r->buf, '\n', r->len);
        DWORD got = 0;

        if (nl || r->eof || r->len == sizeof(r->buf) - 1) {
            size_t take = nl ? (size_t)(nl - r->buf) : r->len;
            WCHAR *line;

            if (!take && !nl && r->eof)
                return NULL;
            r->buf[take] = 0;
            if (take && r->buf[take - 1] == '\r')
                r->buf[take - 1] = 0;
            line = cli_wide(r->buf);
            take += nl ? 1 : 0;
            memmove(r->buf, r->buf + take, r->len - take);
            r->len -= take;
            return line;
        }
        if (!ReadFile(r->h, r->buf + r->len, (DWORD)(sizeof(r->buf) - 1 - r->len), &got, NULL) || !got)
            r->eof = TRUE;
        r->len += got;
    }
}

/* Splits a line into words: blanks separate, "double quotes" group (\" is a
 * quote inside them), # starts a comment. $JOB becomes the last job's GUID.
 * Returns the number of words; they point into `out`. */
static int split_line(const WCHAR *line, const WCHAR *job, WCHAR *out, WCHAR **words, int max)
{
    int n = 0;

    while (*line && n < max) {
        BOOL quoted = FALSE;

        while (*line == L' ' || *line == L'\t')
            line++;
        if (!*line || *line == L'#')
            break;
        words[n++] = out;
        while (*line && (quoted || (*line != L' ' && *line != L'\t'))) {
            if (*line == L'"') {
                quoted = !quoted;
                line++;
            } else if (quoted && line[0] == L'\\' && line[1] == L'"') {
                *out++ = L'"';
                line += 2;
            } else if (!wcsncmp(line, L"$JOB", 4) && job[0]) {
                wcscpy(out, job);
                out += wcslen(job);
                line += 4;
            } else {
                *out++ = *line++;
            }
        }
        *out++ = 0;
    }
    return n;
}

static int cmd_shell(cli_ctx *ctx, int argc, WCHAR **argv)
{
    line_reader reader = {0};
    cli_opts defaults = ctx->opts;
    WCHAR *line;
    DWORD mode;
    int worst = CLI_EXIT_OK;

    (void)argv;
    if (argc)
        return cli_usage_error(ctx, "usage: bitsdo shell  (commands come from stdin)");
    if (ctx->in_shell)
        return cli_usage_error(ctx, "already in a shell");
    reader.h = GetStdHandle(STD_INPUT_HANDLE);
    reader.console = GetConsoleMode(reader.h, &mode);
    ctx->in_shell = TRUE;
    for (;;) {
        WCHAR *buf, *words[256];
        int n, rc;

        if (reader.console && !defaults.json)
            cli_print(CLI_STDOUT, "bitsdo> ");
        if (!(line = read_line(&reader)))
            break;
        buf = malloc((wcslen(line) * 2 + 64 + 40 * 64) * sizeof(WCHAR));
        n = buf ? split_line(line, ctx->last_job, buf, words, 256) : 0;
        if (n == 1 && (!wcscmp(words[0], L"exit") || !wcscmp(words[0], L"quit"))) {
            free(buf);
            free(line);
            break;
        }
        if (n > 0) {
            rc = run_command(ctx, &defaults, n, words);
            if (rc > worst)
                worst = rc;
        }
        free(buf);
        free(line);
    }
    /* Unfinished jobs are left alone: they live in the host, not here. */
    ctx->in_shell = FALSE;
    reset_outcome(ctx);
    ctx->opts = defaults;
    return worst;   /* the worst exit code of its commands */
}

/* ------------------------------------------------------------------ */
/* main                                                                 */
/* ------------------------------------------------------------------ */

int wmain(int argc, WCHAR **argv)
{
    cli_ctx ctx;
    cli_opts defaults;
    HRESULT init;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    memset(&defaults, 0, sizeof(defaults));
    defaults.priority = -1;
    defaults.retry_delay = -1;
    defaults.no_progress_timeout = -1;

    init = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    cli_ctrl_init();
    rc = run_command(&ctx, &defaults, argc - 1, argv + 1);
    if (ctx.manager)
        IBackgroundCopyManager_Release(ctx.manager);
    if (SUCCEEDED(init))
        CoUninitialize();
    return rc;
}
