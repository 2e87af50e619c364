/*
 * watch.c - the progress loop of the bitsdo client, shared by `transfer`
 * and `monitor`, and Ctrl-C handling.
 *
 * `transfer` owns its job: it cancels it on an error, a timeout or Ctrl-C
 * and completes it at the end, unless --detach, which leaves it to the
 * host after Resume. `monitor` only watches (its jobs may belong to
 * another process's transfer): it never cancels or completes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MS 100             /* about 10 Hz */
#define PLAIN_EVERY 1.0         /* seconds between plain progress lines */
#define RATE_WINDOW 3.0         /* seconds of samples the rate is taken over */
#define RATE_SAMPLES 64

/* ------------------------------------------------------------------ */
/* Ctrl-C                                                               */
/* ------------------------------------------------------------------ */

static HANDLE stop_event;       /* manual reset: a Ctrl-C (or close) arrived */
static HANDLE done_event;       /* manual reset: the cleanup after it finished */
static volatile LONG armed;

static BOOL WINAPI ctrl_handler(DWORD type)
{
    if (!InterlockedCompareExchange(&armed, 0, 0))
        return FALSE;           /* nothing to clean up: the default handler ends us */
    SetEvent(stop_event);
    if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT) {
        /* The process ends as soon as this returns: give the main thread a
         * bounded moment to cancel its job. */
        WaitForSingleObject(done_event, 5000);
    }
    return TRUE;
}

void cli_ctrl_init(void)
{
    if (stop_event)
        return;
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    done_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    SetConsoleCtrlHandler(ctrl_handler, TRUE);
}

void cli_ctrl_arm(BOOL on)
{
    if (on)
        ResetEvent(done_event);
    InterlockedExchange(&armed, on ? 1 : 0);
}

BOOL cli_ctrl_stopped(void)
{
    return stop_event && WaitForSingleObject(stop_event, 0) == WAIT_OBJECT_0;
}

void cli_ctrl_reset(void)
{
    if (stop_event)
        ResetEvent(stop_event);
}

void cli_ctrl_done(void)
{
    if (done_event)
        SetEvent(done_event);
}

/* ------------------------------------------------------------------ */
/* clock and rate                                                       */
/* ------------------------------------------------------------------ */

static double now_seconds(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER t;

    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart / (double)freq.QuadPart;
}

typedef struct rate_meter {
    double t[RATE_SAMPLES];
    UINT64 bytes[RATE_SAMPLES];
    unsigned head;      /* next slot */
    unsigned count;
} rate_meter;

static void rate_add(rate_meter *m, double t, UINT64 bytes)
{
    unsigned last = (m->head + RATE_SAMPLES - 1) % RATE_SAMPLES;

    if (m->count && bytes < m->bytes[last])
        m->count = 0;   /* a file started over: old samples mean nothing now */
    m->t[m->head] = t;
    m->bytes[m->head] = bytes;
    m->head = (m->head + 1) % RATE_SAMPLES;
    if (m->count < RATE_SAMPLES)
        m->count++;
}

/* Bytes per second over the last RATE_WINDOW seconds; NAN while unknown. */
static double rate_get(const rate_meter *m)
{
    unsigned newest, oldest, i;
    double dt;

    if (m->count < 2)
        return NAN;
    newest = (m->head + RATE_SAMPLES - 1) % RATE_SAMPLES;
    oldest = newest;
    for (i = 1; i < m->count; i++) {
        unsigned k = (newest + RATE_SAMPLES - i) % RATE_SAMPLES;

        oldest = k;
        if (m->t[newest] - m->t[k] >= RATE_WINDOW)
            break;
    }
    dt = m->t[newest] - m->t[oldest];
    if (dt < 0.3)
        return NAN;
    return (double)(m->bytes[newest] - m->bytes[oldest]) / dt;
}

/* ------------------------------------------------------------------ */
/* the display                                                          */
/* ------------------------------------------------------------------ */

typedef struct watched {
    IBackgroundCopyJob *job;
    WCHAR guid[40];
    BG_JOB_STATE state;
    BOOL seen;
    BG_JOB_PROGRESS progress;
} watched;

typedef struct display {
    int stream;
    BOOL enabled;
    BOOL redraw;        /* one line redrawn in place (a console) */
    int width;
    size_t last_len;    /* characters of the line on screen */
    double last_plain;  /* when the last plain line was printed */
} display;

static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Removes the redrawn line so that a normal line can be printed. */
static void display_clear(display *d)
{
    cli_buf b = {0};
    size_t i;

    if (!d->redraw || !d->last_len)
        return;
    cli_buf_putc(&b, '\r');
    for (i = 0; i < d->last_len; i++)
        cli_buf_putc(&b, ' ');
    cli_buf_putc(&b, '\r');
    cli_write(d->stream, b.data, b.len);
    cli_buf_free(&b);
    d->last_len = 0;
}

static void display_event(display *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void display_event(display *d, const char *fmt, ...)
{
    cli_buf b = {0};
    va_list ap;

    if (!d->enabled)
        return;
    display_clear(d);
    cli_buf_puts(&b, "bitsdo: ");
    va_start(ap, fmt);
    cli_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    cli_buf_putc(&b, '\n');
    cli_write(d->stream, b.data, b.len);
    cli_buf_free(&b);
}

/* Builds the progress text: "  45.1%  90.2 MiB / 200 MiB  55.3 MiB/s  ETA 0:02". */
static void progress_text(cli_buf *b, const char *prefix, UINT64 done, UINT64 total, double rate,
                          const char *state)
{
    char a[32], t[32], r[32], eta[32];

    cli_buf_puts(b, prefix);
    if (total == BG_SIZE_UNKNOWN)
        cli_buf_puts(b, "    ?  ");
    else if (!total)
        cli_buf_puts(b, "    -  ");
    else
        cli_buf_printf(b, "%5.1f%%  ", 100.0 * (double)done / (double)total);
    cli_fmt_bytes(a, sizeof(a), done);
    if (total == BG_SIZE_UNKNOWN)
        snprintf(t, sizeof(t), "?");
    else
        cli_fmt_bytes(t, sizeof(t), total);
    cli_fmt_rate(r, sizeof(r), rate);
    if (total != BG_SIZE_UNKNOWN && isfinite(rate) && rate > 0.0 && total >= done)
        cli_fmt_duration(eta, sizeof(eta), (double)(total - done) / rate);
    else if (total != BG_SIZE_UNKNOWN && total == done && total)
        snprintf(eta, sizeof(eta), "0:00");
    else
        snprintf(eta, sizeof(eta), "--:--");
    cli_buf_printf(b, "%s / %s  %s  ETA %s", a, t, r, eta);
    if (state)
        cli_buf_printf(b, "  %s", state);
}

static void display_progress(display *d, const char *prefix, UINT64 done, UINT64 total, double rate,
                             const char *state, BOOL final)
{
    cli_buf text = {0}, line = {0};
    double t = now_seconds();
    size_t len, i;
    int bar;

    if (!d->enabled)
        return;
    progress_text(&text, prefix, done, total, rate, state);
    if (!d->redraw) {
        if (!final && t - d->last_plain < PLAIN_EVERY) {
            cli_buf_free(&text);
            return;
        }
        d->last_plain = t;
        cli_buf_puts(&line, text.data);
        cli_buf_putc(&line, '\n');
    } else {
        /* "[#####.....] " in front when it fits the console: a fixed width
         * leaving about 62 columns to the text, narrower only when a longer
         * text would wrap. */
        len = utf8_chars(text.data);
        bar = d->width - 1 - 3 - 62;
        if (bar > 30)
            bar = 30;
        if (bar >= 8 && (int)len + bar + 3 > d->width - 1)
            bar = d->width - 1 - 3 - (int)len;
        cli_buf_putc(&line, '\r');
        if (bar >= 8) {
            int fill = 0;

            if (total != BG_SIZE_UNKNOWN && total)
                fill = (int)((double)bar * (double)(done > total ? total : done) / (double)total);
            else if (total == 0 && final)
                fill = bar;
            cli_buf_putc(&line, '[');
            for (i = 0; i < (size_t)bar; i++)
                cli_buf_putc(&line, (int)i < fill ? '#' : '.');
            cli_buf_puts(&line, "] ");
            len += (size_t)bar + 3;
        }
        cli_buf_puts(&line, text.data);
        for (i = len; i < d->last_len; i++)
            cli_buf_putc(&line, ' ');
        d->last_len = len;
        if (final) {
            cli_buf_putc(&line, '\n');
            d->last_len = 0;
        }
    }
    cli_write(d->stream, line.data, line.len);
    cli_buf_free(&text);
    cli_buf_free(&line);
}

static void show_error(cli_ctx *ctx, display *d, watched *w, const char *name)
{
    cli_job_info info;

    if (!d->enabled || FAILED(cli_job_info_load(ctx, w->job, FALSE, &info)))
        return;
    if (info.has_error) {
        display_event(d, "%s%s%s 0x%08lx (%s): %s", name ? name : "", name ? ": " : "",
                      info.state == BG_JOB_STATE_TRANSIENT_ERROR ? "transient error" : "error",
                      (unsigned long)info.error_code, cli_context_name(info.error_context),
                      info.error_description ? info.error_description : "no description");
        if (info.error_remote)
            display_event(d, "%s%sfile %s", name ? name : "", name ? ": " : "", info.error_remote);
        if (info.state == BG_JOB_STATE_TRANSIENT_ERROR)
            display_event(d, "%s%swill retry after %lu s (give up after %lu s without progress)",
                          name ? name : "", name ? ": " : "", info.retry_delay, info.no_progress_timeout);
    }
    cli_job_info_free(&info);
}

/* ------------------------------------------------------------------ */
/* the loop                                                             */
/* ------------------------------------------------------------------ */

cli_watch_end cli_watch(cli_ctx *ctx, IBackgroundCopyJob **jobs, size_t count, cli_watch_mode mode,
                        double *elapsed)
{
    watched *w;
    display d = {0};
    rate_meter meter = {0};
    double start = now_seconds(), t, deadline = 0;
    cli_watch_end end = CLI_WATCH_SETTLED;
    size_t i, active, in_error;
    UINT64 done, total, first_done = 0;
    BOOL first = TRUE;
    HRESULT hr;

    *elapsed = 0;
    if (!(w = calloc(count ? count : 1, sizeof(*w))))
        return CLI_WATCH_FAILED;
    for (i = 0; i < count; i++) {
        GUID id;

        w[i].job = jobs[i];
        if (SUCCEEDED(IBackgroundCopyJob_GetId(jobs[i], &id)))
            cli_fmt_guid(w[i].guid, 40, &id);
    }
    d.enabled = !ctx->opts.quiet;
    d.stream = ctx->opts.json ? CLI_STDERR : CLI_STDOUT;
    d.redraw = !ctx->opts.json && cli_is_console(d.stream);
    d.width = d.redraw ? cli_console_width(d.stream) : 80;
    d.last_plain = -1e9;
    if (ctx->opts.timeout > 0)
        deadline = start + ctx->opts.timeout;

    for (;;) {
        DWORD wait;

        active = in_error = 0;
        done = total = 0;
        for (i = 0; i < count; i++) {
            BG_JOB_STATE state;
            char label[160];

            if (FAILED(hr = IBackgroundCopyJob_GetState(w[i].job, &state)) ||
                FAILED(hr = IBackgroundCopyJob_GetProgress(w[i].job, &w[i].progress))) {
                display_clear(&d);
                cli_fail(ctx, hr, "reading job %s", cli_u8(w[i].guid));
                end = CLI_WATCH_FAILED;
                goto out;
            }
            if (mode == CLI_WATCH_MONITOR)
                snprintf(label, sizeof(label), "%s", cli_u8(w[i].guid));
            else
                label[0] = 0;
            if (!w[i].seen || state != w[i].state) {
                /* A new phase (a retry after an error, a resume): the rate
                 * of the last one says nothing about it. */
                meter.count = 0;
                if (mode == CLI_WATCH_MONITOR)
                    display_event(&d, "%s: %s%s%s", label, w[i].seen ? cli_state_name(w[i].state) : "",
                                  w[i].seen ? " -> " : "", cli_state_name(state));
                w[i].state = state;
                w[i].seen = TRUE;
                if (state == BG_JOB_STATE_TRANSIENT_ERROR ||
                    (state == BG_JOB_STATE_ERROR && mode == CLI_WATCH_MONITOR))
                    show_error(ctx, &d, &w[i], mode == CLI_WATCH_MONITOR ? label : NULL);
            }
            if (cli_state_is_active(state))
                active++;
            if (state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR)
                in_error++;
            /* An idle job whose size is still unknown (suspended before it
             * started, failed early) does not make the sum unknown. */
            if (count > 1 && w[i].progress.BytesTotal == BG_SIZE_UNKNOWN && !cli_state_is_active(state))
                continue;
            done += w[i].progress.BytesTransferred;
            if (total != BG_SIZE_UNKNOWN)
                total = w[i].progress.BytesTotal == BG_SIZE_UNKNOWN ? BG_SIZE_UNKNOWN
                                                                    : total + w[i].progress.BytesTotal;
        }
        t = now_seconds();
        rate_add(&meter, t, done);
        if (first) {
            /* What was in before the watch (a job another process started)
             * does not count towards the average rate. */
            first_done = done;
            first = FALSE;
        }
        if (!active)
            break;
        {
            char prefix[64] = "";
            const char *state = NULL;

            if (count == 1) {
                if (w[0].state != BG_JOB_STATE_TRANSFERRING)
                    state = cli_state_name(w[0].state);
            } else {
                snprintf(prefix, sizeof(prefix), "%zu jobs, %zu active%s  ", count, active,
                         in_error ? ", errors" : "");
            }
            display_progress(&d, prefix, done, total, rate_get(&meter), state, FALSE);
        }
        if (deadline && t >= deadline) {
            end = CLI_WATCH_TIMEOUT;
            break;
        }
        wait = POLL_MS;
        if (deadline && (deadline - t) * 1000.0 < wait)
            wait = (DWORD)((deadline - t) * 1000.0) + 1;
        if (WaitForSingleObject(stop_event, wait) == WAIT_OBJECT_0) {
            end = CLI_WATCH_INTERRUPTED;
            break;
        }
    }
    /* The last figures, on a line of their own. */
    {
        char prefix[64] = "";
        const char *state = NULL;

        if (count == 1)
            state = cli_state_name(w[0].state);
        else
            snprintf(prefix, sizeof(prefix), "%zu jobs, %zu active  ", count, active);
        if (end == CLI_WATCH_SETTLED && !active && count == 1 && w[0].state == BG_JOB_STATE_TRANSFERRED)
            display_progress(&d, prefix, done, total,
                             done >= first_done ? (double)(done - first_done) / (now_seconds() - start) : NAN,
                             state, TRUE);
        else
            display_progress(&d, prefix, done, total, rate_get(&meter), state, TRUE);
    }
out:
    *elapsed = now_seconds() - start;
    free(w);
    return end;
}

/* ------------------------------------------------------------------ */
/* transfer                                                             */
/* ------------------------------------------------------------------ */

static const char *end_name(cli_watch_end end)
{
    switch (end) {
    case CLI_WATCH_TIMEOUT:
        return "timeout";
    case CLI_WATCH_INTERRUPTED:
        return "interrupted";
    case CLI_WATCH_FAILED:
        return "failed";
    default:
        return "settled";
    }
}

/* Cancels the job of a failed transfer; says so when that fails too. */
static void cancel_job(cli_ctx *ctx, IBackgroundCopyJob *job)
{
    HRESULT hr = IBackgroundCopyJob_Cancel(job);
    char text[512];

    if (FAILED(hr) && hr != (HRESULT)BG_E_INVALID_STATE && !ctx->opts.json) {
        cli_describe(ctx, hr, text, sizeof(text));
        cli_print(CLI_STDERR, "bitsdo: cancelling the job failed too: %s (0x%08lx)\n", text, (unsigned long)hr);
    }
}

int cli_cmd_transfer(cli_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job = NULL;
    cli_job_info info = {0};
    BG_JOB_PRIORITY priority = ctx->opts.priority >= 0 ? (BG_JOB_PRIORITY)ctx->opts.priority
                                                       : BG_JOB_PRIORITY_FOREGROUND;
    const char *result = "error";
    cli_watch_end end;
    double elapsed = 0;
    WCHAR guid[40] = {0};
    GUID id;
    HRESULT hr;
    int rc = CLI_EXIT_OK, i;
    BOOL loaded = FALSE;

    if (argc < 2 || argc % 2)
        return cli_usage_error(ctx, "usage: bitsdo transfer [--json] [--priority P] [--timeout S | --detach] "
                                    "URL FILE [URL FILE...]");
    if (ctx->opts.detach && ctx->opts.timeout > 0)
        return cli_usage_error(ctx, "--timeout bounds the wait of transfer, and --detach does not wait "
                                    "(`bitsdo monitor GUID --timeout S` does)");
    if (FAILED(cli_manager(ctx)))
        return CLI_EXIT_FAILED;

    cli_ctrl_reset();
    cli_ctrl_arm(TRUE);
    hr = IBackgroundCopyManager_CreateJob(ctx->manager, ctx->opts.name ? ctx->opts.name : L"bitsdo transfer",
                                          BG_JOB_TYPE_DOWNLOAD, &id, &job);
    if (FAILED(hr)) {
        rc = cli_fail(ctx, hr, "CreateJob");
        goto done;
    }
    cli_fmt_guid(guid, 40, &id);
    wcscpy(ctx->last_job, guid);

    if (FAILED(hr = IBackgroundCopyJob_SetPriority(job, priority))) {
        rc = cli_fail(ctx, hr, "SetPriority %s", cli_priority_name(priority));
        goto cancel;
    }
    if (ctx->opts.retry_delay >= 0 &&
        FAILED(hr = IBackgroundCopyJob_SetMinimumRetryDelay(job, (ULONG)ctx->opts.retry_delay))) {
        rc = cli_fail(ctx, hr, "SetMinimumRetryDelay %ld", ctx->opts.retry_delay);
        goto cancel;
    }
    if (ctx->opts.no_progress_timeout >= 0 &&
        FAILED(hr = IBackgroundCopyJob_SetNoProgressTimeout(job, (ULONG)ctx->opts.no_progress_timeout))) {
        rc = cli_fail(ctx, hr, "SetNoProgressTimeout %ld", ctx->opts.no_progress_timeout);
        goto cancel;
    }
    for (i = 0; i < argc; i += 2) {
        WCHAR *remote = cli_remote_name(argv[i]);
        WCHAR *local = cli_full_path(argv[i + 1]);

        hr = IBackgroundCopyJob_AddFile(job, remote, local);
        if (FAILED(hr))
            rc = cli_fail(ctx, hr, "AddFile %s -> %s", cli_u8(remote), cli_u8(local));
        free(remote);
        free(local);
        if (rc)
            goto cancel;
        if (cli_ctrl_stopped()) {
            result = "interrupted";
            rc = cli_fail(ctx, S_OK, "interrupted; job cancelled");
            goto cancel;
        }
    }
    if (FAILED(hr = IBackgroundCopyJob_Resume(job))) {
        rc = cli_fail(ctx, hr, "Resume");
        goto cancel;
    }
    if (ctx->opts.detach) {
        /* The job goes on in the host; its GUID is the output, as for create. */
        result = "detached";
        if (!ctx->json)
            cli_print(CLI_STDOUT, "%s\n", cli_u8(guid));
        goto done;
    }

    end = cli_watch(ctx, &job, 1, CLI_WATCH_TRANSFER, &elapsed);
    if (end == CLI_WATCH_FAILED) {
        rc = CLI_EXIT_FAILED;
        goto cancel;
    }
    if (FAILED(hr = cli_job_info_load(ctx, job, TRUE, &info))) {
        rc = cli_fail(ctx, hr, "reading the job");
        goto cancel;
    }
    loaded = TRUE;
    if (end == CLI_WATCH_SETTLED && info.state == BG_JOB_STATE_TRANSFERRED) {
        result = "transferred";
        if (FAILED(hr = IBackgroundCopyJob_Complete(job))) {
            result = "error";
            rc = cli_fail(ctx, hr, "Complete");
            goto cancel;
        }
        if (hr == (HRESULT)BG_S_PARTIAL_COMPLETE) {
            result = "partial";
            rc = cli_fail(ctx, hr, "Complete kept only some of the files");
        }
        goto done;
    }
    if (end == CLI_WATCH_TIMEOUT) {
        result = "timeout";
        rc = cli_fail(ctx, S_OK, "timed out after %g s in state %s; job cancelled", ctx->opts.timeout,
                      cli_state_name(info.state));
    } else if (end == CLI_WATCH_INTERRUPTED) {
        result = "interrupted";
        rc = cli_fail(ctx, S_OK, "interrupted in state %s; job cancelled", cli_state_name(info.state));
    } else if (info.state == BG_JOB_STATE_ERROR && info.has_error) {
        result = "error";
        rc = cli_fail_desc(ctx, info.error_code, info.error_description, "transfer failed (%s)",
                           cli_context_name(info.error_context));
        if (!ctx->json) {
            if (info.error_context_description)
                cli_print(CLI_STDERR, "bitsdo:   context: %s\n", info.error_context_description);
            if (info.error_remote || info.error_local)
                cli_print(CLI_STDERR, "bitsdo:   file: %s -> %s\n", info.error_remote ? info.error_remote : "?",
                          info.error_local ? info.error_local : "?");
        }
    } else {
        result = "stopped";
        rc = cli_fail(ctx, S_OK, "the job stopped in state %s", cli_state_name(info.state));
    }

cancel:
    if (job)
        cancel_job(ctx, job);
done:
    if (ctx->json) {
        cli_json_wstr(ctx->json, "id", job ? guid : NULL);
        cli_json_str(ctx->json, "result", result);
        cli_json_num(ctx->json, "elapsed_seconds", elapsed);
        if (loaded) {
            cli_json_num(ctx->json, "average_bytes_per_second",
                         elapsed > 0 ? (double)info.progress.BytesTransferred / elapsed : 0.0);
            cli_job_info_json(ctx->json, "job", &info);
        } else {
            cli_json_null(ctx->json, "average_bytes_per_second");
            cli_json_null(ctx->json, "job");
        }
    } else if (!rc && loaded && !ctx->opts.quiet) {
        char bytes[32], rate[32], secs[32];

        cli_fmt_bytes(bytes, sizeof(bytes), info.progress.BytesTransferred);
        cli_fmt_rate(rate, sizeof(rate), elapsed > 0 ? (double)info.progress.BytesTransferred / elapsed : 0.0);
        snprintf(secs, sizeof(secs), "%.2f s", elapsed);
        cli_print(CLI_STDOUT, "bitsdo: transferred %lu file%s, %s in %s (%s)\n", info.progress.FilesTotal,
                  info.progress.FilesTotal == 1 ? "" : "s", bytes, secs, rate);
    }
    if (loaded)
        cli_job_info_free(&info);
    if (job)
        IBackgroundCopyJob_Release(job);
    cli_ctrl_done();
    cli_ctrl_arm(FALSE);
    return rc;
}

/* ------------------------------------------------------------------ */
/* monitor                                                              */
/* ------------------------------------------------------------------ */

int cli_cmd_monitor(cli_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob **jobs = NULL, *job;
    IEnumBackgroundCopyJobs *e = NULL;
    cli_job_info info;
    size_t count = 0, cap = 0, i;
    cli_watch_end end;
    double elapsed = 0;
    ULONG fetched;
    HRESULT hr;
    int rc = CLI_EXIT_OK;
    BOOL any_error = FALSE, any_transferred = FALSE;

    if (argc > 1)
        return cli_usage_error(ctx, "usage: bitsdo monitor [GUID] [--timeout S]");
    if (argc == 1) {
        if ((rc = cli_open_job(ctx, argv[0], &job)))
            return rc;
        if (!(jobs = malloc(sizeof(*jobs)))) {
            IBackgroundCopyJob_Release(job);
            return cli_fail(ctx, E_OUTOFMEMORY, "monitor");
        }
        jobs[count++] = job;
    } else {
        if (FAILED(cli_manager(ctx)))
            return CLI_EXIT_FAILED;
        if (FAILED(hr = IBackgroundCopyManager_EnumJobs(ctx->manager, 0, &e)))
            return cli_fail(ctx, hr, "EnumJobs");
        for (;;) {
            job = NULL;
            fetched = 0;
            if (IEnumBackgroundCopyJobs_Next(e, 1, &job, &fetched) != S_OK || !fetched || !job)
                break;
            if (count == cap) {
                IBackgroundCopyJob **grown;

                cap = cap ? cap * 2 : 8;
                if (!(grown = realloc(jobs, cap * sizeof(*jobs)))) {
                    IBackgroundCopyJob_Release(job);
                    break;
                }
                jobs = grown;
            }
            jobs[count++] = job;
        }
        IEnumBackgroundCopyJobs_Release(e);
    }

    if (count) {
        cli_ctrl_reset();
        cli_ctrl_arm(TRUE);
        end = cli_watch(ctx, jobs, count, CLI_WATCH_MONITOR, &elapsed);
        cli_ctrl_done();
        cli_ctrl_arm(FALSE);
    } else {
        end = CLI_WATCH_SETTLED;
        if (!ctx->json && !ctx->opts.quiet)
            cli_print(CLI_STDOUT, "no jobs\n");
    }

    if (ctx->json) {
        cli_json_str(ctx->json, "result", end_name(end));
        cli_json_num(ctx->json, "elapsed_seconds", elapsed);
        cli_json_arr_begin(ctx->json, "jobs");
    }
    for (i = 0; i < count; i++) {
        if (end != CLI_WATCH_FAILED && SUCCEEDED(cli_job_info_load(ctx, jobs[i], FALSE, &info))) {
            if (info.state == BG_JOB_STATE_ERROR)
                any_error = TRUE;
            if (info.state == BG_JOB_STATE_TRANSFERRED)
                any_transferred = TRUE;
            if (ctx->json) {
                cli_job_info_json(ctx->json, NULL, &info);
            } else if (!ctx->opts.quiet) {
                char bytes[32];

                cli_fmt_bytes(bytes, sizeof(bytes), info.progress.BytesTransferred);
                cli_print(CLI_STDOUT, "%s  %-15s %s transferred, %lu of %lu files  %s\n", cli_u8(info.guid),
                          cli_state_name(info.state), bytes, info.progress.FilesTransferred,
                          info.progress.FilesTotal, info.name ? info.name : "");
                if (info.has_error)
                    cli_job_error_print(CLI_STDOUT, &info);
            }
            cli_job_info_free(&info);
        }
        IBackgroundCopyJob_Release(jobs[i]);
    }
    free(jobs);
    if (ctx->json)
        cli_json_arr_end(ctx->json);
    else if (any_transferred && !ctx->opts.quiet)
        cli_print(CLI_STDOUT, "(`bitsdo complete GUID` gives a transferred job's files their final names)\n");

    switch (end) {
    case CLI_WATCH_FAILED:
        return CLI_EXIT_FAILED;
    case CLI_WATCH_TIMEOUT:
        return cli_fail(ctx, S_OK, "timed out after %g s with jobs still active", ctx->opts.timeout);
    case CLI_WATCH_INTERRUPTED:
        return cli_fail(ctx, S_OK, "interrupted");
    default:
        break;
    }
    if (any_error)
        return cli_fail(ctx, S_OK, "a job is in the ERROR state");
    return rc;
}
