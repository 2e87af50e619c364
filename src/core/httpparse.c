/* HTTP response heads, body framing and custom header lists (see
 * httpparse.h). Ported from the Win32 transport, rule for rule; the
 * chunked reader became a state machine so that it needs no connection. */
#include "httpparse.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "wstr.h"

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ieq(const char *a, const char *b)
{
    while (*a && lower((unsigned char)*a) == lower((unsigned char)*b))
        a++, b++;
    return !*a && !*b;
}

static int istarts(const char *s, const char *prefix)
{
    while (*prefix && lower((unsigned char)*s) == lower((unsigned char)*prefix))
        s++, prefix++;
    return !*prefix;
}

static int is_tchar(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* --- the response head ---------------------------------------------------- */

/* Parses "digits" fully (no sign, no spaces); 0 on overflow or junk. */
static int parse_u64(const char *s, const char *end, uint64_t *out)
{
    uint64_t v = 0;

    if (s == end)
        return 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9' || v > UINT64_MAX / 10 - 1)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 1;
}

int bitsdo_http_content_length(const char *value, uint64_t *out, int *seen)
{
    const char *p = value;

    for (;;) {
        const char *start, *end;
        uint64_t n;
        while (*p == ' ' || *p == '\t')
            p++;
        start = p;
        while (*p >= '0' && *p <= '9')
            p++;
        end = p;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!parse_u64(start, end, &n))
            return 0;
        if (*seen && n != *out)
            return 0;
        *out = n;
        *seen = 1;
        if (!*p)
            return 1;
        if (*p++ != ',')
            return 0;
    }
}

int bitsdo_http_content_range(const char *value, bitsdo_http_head *r)
{
    const char *p = value, *dash, *slash;
    uint64_t total;

    if (!istarts(p, "bytes"))
        return 0;
    p += 5;
    if (*p != ' ')
        return 0;
    while (*p == ' ')
        p++;
    if (!(slash = strchr(p, '/')))
        return 0;
    if (!strcmp(slash + 1, "*")) {
        r->range_total_known = 0;
    } else {
        if (!parse_u64(slash + 1, slash + 1 + strlen(slash + 1), &total))
            return 0;
        r->range_total = total;
        r->range_total_known = 1;
    }
    if (p[0] == '*' && p + 1 == slash) {
        r->range_unsatisfied = r->range_total_known;
        return r->range_total_known;
    }
    if (!(dash = memchr(p, '-', (size_t)(slash - p))))
        return 0;
    if (!parse_u64(p, dash, &r->range_first) || !parse_u64(dash + 1, slash, &r->range_last))
        return 0;
    if (r->range_last < r->range_first || (r->range_total_known && r->range_last >= r->range_total))
        return 0;
    r->has_range = 1;
    return 1;
}

int bitsdo_http_has_token(const char *v, const char *token)
{
    size_t n = strlen(token);

    while (*v) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        if (istarts(v, token) && (!v[n] || v[n] == ',' || v[n] == ' ' || v[n] == '\t' || v[n] == ';'))
            return 1;
        while (*v && *v != ',')
            v++;
    }
    return 0;
}

void bitsdo_http_head_free(bitsdo_http_head *h)
{
    if (!h)
        return;
    free(h->raw);
    memset(h, 0, sizeof(*h));
}

const char *bitsdo_http_head_next(const bitsdo_http_head *h, const char *prev, const char **value)
{
    const char *p, *end;

    if (!h->raw)
        return NULL;
    end = h->raw + h->raw_len;
    if (!prev) {
        p = h->raw + strlen(h->raw) + 1; /* past the status line */
    } else {
        p = prev + strlen(prev) + 1; /* past the name */
        p += strlen(p) + 1;          /* past its value */
    }
    if (p >= end || !*p)
        return NULL;
    *value = p + strlen(p) + 1;
    return p;
}

const char *bitsdo_http_head_field(const bitsdo_http_head *h, const char *name)
{
    const char *n = NULL, *value;

    while ((n = bitsdo_http_head_next(h, n, &value)))
        if (ieq(n, name))
            return value;
    return NULL;
}

char *bitsdo_http_head_text(const bitsdo_http_head *h)
{
    const char *n = NULL, *value;
    size_t size, len;
    char *text, *o;

    if (!h->raw)
        return NULL;
    size = strlen(h->raw) + 3;
    while ((n = bitsdo_http_head_next(h, n, &value)))
        size += strlen(n) + strlen(value) + 4;
    if (!(text = malloc(size)))
        return NULL;
    len = strlen(h->raw);
    memcpy(text, h->raw, len);
    o = text + len;
    *o++ = '\r';
    *o++ = '\n';
    while ((n = bitsdo_http_head_next(h, n, &value))) {
        len = strlen(n);
        memcpy(o, n, len);
        o += len;
        *o++ = ':';
        *o++ = ' ';
        len = strlen(value);
        memcpy(o, value, len);
        o += len;
        *o++ = '\r';
        *o++ = '\n';
    }
    *o = 0;
    return text;
}

/* The fields that decide how to read the body and what it is. */
static int interpret(bitsdo_http_head *r)
{
    const char *name = NULL, *value;
    int length_seen = 0, te = 0;

    while ((name = bitsdo_http_head_next(r, name, &value))) {
        if (ieq(name, "Content-Length")) {
            if (!bitsdo_http_content_length(value, &r->length, &length_seen))
                return 0;
        } else if (ieq(name, "Transfer-Encoding")) {
            /* Only plain chunked: we ask for no other coding. */
            if (te || !ieq(value, "chunked"))
                return 0;
            te = 1;
        } else if (ieq(name, "Connection")) {
            if (bitsdo_http_has_token(value, "close"))
                r->conn_close = 1;
            if (bitsdo_http_has_token(value, "keep-alive"))
                r->keep_alive = 1;
        } else if (ieq(name, "Content-Range")) {
            if (r->has_range || r->range_unsatisfied || !bitsdo_http_content_range(value, r))
                return 0;
        } else if (ieq(name, "ETag")) {
            if (!r->etag)
                r->etag = value;
        } else if (ieq(name, "Last-Modified")) {
            if (!r->last_modified)
                r->last_modified = value;
        } else if (ieq(name, "Location")) {
            if (!r->location)
                r->location = value;
        } else if (ieq(name, "Accept-Ranges")) {
            if (bitsdo_http_has_token(value, "none"))
                r->accept_ranges_none = 1;
        } else if (ieq(name, "WWW-Authenticate")) {
            if (bitsdo_http_has_token(value, "Basic"))
                r->www_basic = 1;
        }
    }
    r->chunked = te;
    r->has_length = length_seen && !te;
    if (te && length_seen)
        r->conn_close = 1; /* RFC 9112 6.3: do not reuse such a connection */
    return 1;
}

bitsdo_hr bitsdo_http_head_parse(const char *raw, size_t len, bitsdo_http_head *r)
{
    const char *line, *next, *end = raw + len, *p;
    char *out, *o;
    int first = 1, ended = 0;

    memset(r, 0, sizeof(*r));
    if (len > SIZE_MAX - 2 || !(out = malloc(len + 2)))
        return BITSDO_E_OUTOFMEMORY;
    o = out;
    if (memchr(raw, 0, len))
        goto fail;
    for (line = raw; line < end; line = next) {
        const char *eol = memchr(line, '\n', (size_t)(end - line)), *colon, *v, *vend;
        if (!eol)
            goto fail;
        next = eol + 1;
        if (eol > line && eol[-1] == '\r')
            eol--;
        if (memchr(line, '\r', (size_t)(eol - line)))
            goto fail; /* a bare CR inside a line */
        if (eol == line) {
            ended = 1; /* the empty line ends the head */
            break;
        }
        if (first) {
            /* HTTP/1.x SP 3DIGIT [SP reason] */
            if (eol - line < 12 || memcmp(line, "HTTP/1.", 7) || line[7] < '0' || line[7] > '9' ||
                line[8] != ' ' || line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' ||
                line[11] < '0' || line[11] > '9' || (eol - line > 12 && line[12] != ' '))
                goto fail;
            for (p = line + 12; p < eol; p++)
                if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
                    goto fail; /* the reason phrase is text */
            r->minor = line[7] - '0';
            r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
            memcpy(o, line, (size_t)(eol - line));
            o += eol - line;
            *o++ = 0;
            first = 0;
            continue;
        }
        if (*line == ' ' || *line == '\t')
            goto fail; /* obsolete line folding */
        if (!(colon = memchr(line, ':', (size_t)(eol - line))) || colon == line)
            goto fail;
        for (p = line; p < colon; p++)
            if (!is_tchar((unsigned char)*p))
                goto fail;
        v = colon + 1;
        while (v < eol && (*v == ' ' || *v == '\t'))
            v++;
        vend = eol;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        for (p = v; p < vend; p++)
            if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
                goto fail;
        memcpy(o, line, (size_t)(colon - line));
        o += colon - line;
        *o++ = 0;
        memcpy(o, v, (size_t)(vend - v));
        o += vend - v;
        *o++ = 0;
    }
    if (first || !ended)
        goto fail;
    *o++ = 0;
    r->raw = out;
    r->raw_len = (size_t)(o - out);
    if (!interpret(r)) {
        bitsdo_http_head_free(r);
        return BITSDO_HTTP_E_INVALID_RESPONSE;
    }
    return BITSDO_S_OK;

fail:
    free(out);
    memset(r, 0, sizeof(*r));
    return BITSDO_HTTP_E_INVALID_RESPONSE;
}

void bitsdo_http_body_framing(const bitsdo_http_head *r, bitsdo_http_body *b)
{
    int no_body = (r->status >= 100 && r->status < 200) || r->status == 204 || r->status == 304;

    memset(b, 0, sizeof(*b));
    b->close_announced = r->conn_close || (r->minor == 0 && !r->keep_alive);
    b->reusable = !b->close_announced;
    if (no_body) {
        b->kind = BITSDO_HTTP_BODY_NONE;
    } else if (r->chunked) {
        b->kind = BITSDO_HTTP_BODY_CHUNKED;
    } else if (r->has_length) {
        b->kind = BITSDO_HTTP_BODY_LENGTH;
        b->length = r->length;
    } else {
        b->kind = BITSDO_HTTP_BODY_CLOSE;
        b->reusable = 0;
    }
}

/* --- chunked framing ------------------------------------------------------ */

enum chunk_state {
    CH_SIZE,     /* in the size's hex digits */
    CH_SIZE_WS,  /* spaces after the size */
    CH_SIZE_CR,  /* a CR after the size: LF must follow */
    CH_EXT,      /* after ";": anything up to LF */
    CH_DATA,     /* left bytes of data */
    CH_DATA_END, /* CRLF or LF after the data */
    CH_DATA_LF,  /* CR seen after the data */
    CH_TRAILER,  /* trailer lines up to an empty one */
    CH_END,
    CH_ERROR,
};

void bitsdo_chunked_init(bitsdo_chunked *c)
{
    memset(c, 0, sizeof(*c));
    c->state = CH_SIZE;
}

uint64_t bitsdo_chunked_data_left(const bitsdo_chunked *c)
{
    return c->state == CH_DATA ? c->left : 0;
}

static int hex_value(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The size line ended (at its LF). */
static void size_line_done(bitsdo_chunked *c)
{
    c->line = 0;
    if (!c->digits) {
        c->state = CH_ERROR;
    } else if (c->size) {
        c->left = c->size;
        c->state = CH_DATA;
    } else {
        c->line_cr = 0;
        c->state = CH_TRAILER;
    }
}

bitsdo_chunk_status bitsdo_chunked_feed(bitsdo_chunked *c, const unsigned char *in, size_t len, size_t *used,
                                        size_t *data_off, size_t *data_len)
{
    size_t i = 0;

    *data_off = *data_len = 0;
    *used = 0;
    if (c->state == CH_END)
        return BITSDO_CHUNK_END;
    if (c->state == CH_ERROR)
        return BITSDO_CHUNK_ERROR;
    while (i < len) {
        unsigned char ch = in[i];

        if (c->state == CH_DATA) {
            size_t n = len - i;
            if ((uint64_t)n > c->left)
                n = (size_t)c->left;
            c->left -= n;
            if (!c->left)
                c->state = CH_DATA_END;
            *data_off = i;
            *data_len = n;
            *used = i + n;
            return BITSDO_CHUNK_DATA;
        }
        i++;
        switch (c->state) {
        case CH_SIZE:
        case CH_SIZE_WS:
        case CH_EXT:
        case CH_SIZE_CR:
        case CH_TRAILER:
            if (ch == '\n') {
                if (c->state == CH_TRAILER) {
                    if (!c->line || (c->line == 1 && c->line_cr)) {
                        c->state = CH_END;
                        *used = i;
                        return BITSDO_CHUNK_END;
                    }
                    c->line = 0;
                    c->line_cr = 0;
                } else {
                    size_line_done(c);
                }
                break;
            }
            if (++c->line >= BITSDO_CHUNK_LINE_MAX) {
                c->state = CH_ERROR;
                break;
            }
            if (c->state == CH_TRAILER) {
                c->line_cr = c->line == 1 && ch == '\r';
            } else if (c->state == CH_EXT) {
                /* extensions are not interpreted */
            } else if (c->state == CH_SIZE_CR) {
                c->state = CH_ERROR; /* a bare CR */
            } else if (ch == '\r') {
                c->state = CH_SIZE_CR;
            } else if (ch == ';') {
                c->state = c->digits ? CH_EXT : CH_ERROR;
            } else if (ch == ' ' || ch == '\t') {
                c->state = c->digits ? CH_SIZE_WS : CH_ERROR;
            } else if (c->state == CH_SIZE && hex_value(ch) >= 0) {
                if (++c->digits > 15)
                    c->state = CH_ERROR;
                else
                    c->size = c->size * 16 + (uint64_t)hex_value(ch);
            } else {
                c->state = CH_ERROR;
            }
            break;
        case CH_DATA_END:
            if (ch == '\r')
                c->state = CH_DATA_LF;
            else if (ch == '\n')
                bitsdo_chunked_init(c);
            else
                c->state = CH_ERROR;
            break;
        case CH_DATA_LF:
            if (ch == '\n')
                bitsdo_chunked_init(c);
            else
                c->state = CH_ERROR;
            break;
        default:
            c->state = CH_ERROR;
            break;
        }
        if (c->state == CH_ERROR) {
            *used = i - 1;
            return BITSDO_CHUNK_ERROR;
        }
    }
    *used = len;
    return BITSDO_CHUNK_MORE;
}

/* --- custom request headers ----------------------------------------------- */

bitsdo_hr bitsdo_http_headers_check(const bitsdo_wchar *headers)
{
    static const char *const reserved[] = {
        "Host", "Range", "If-Range", "Content-Length", "Transfer-Encoding"};
    const bitsdo_wchar *line = headers, *eol, *colon, *p;
    char name[64];
    size_t n, i;

    if (!headers)
        return BITSDO_S_OK;
    if (bitsdo_wcslen(headers) > BITSDO_HTTP_MAX_HEADER_CHARS)
        return BITSDO_BG_E_STRING_TOO_LONG;
    while (*line) {
        for (eol = line; *eol && *eol != '\r' && *eol != '\n'; eol++)
            ;
        if (*eol == '\r' && eol[1] != '\n')
            return BITSDO_E_INVALIDARG;
        if (*eol == '\n')
            return BITSDO_E_INVALIDARG;
        if (eol == line)
            return BITSDO_E_INVALIDARG; /* an empty line would end the request head */
        for (colon = line; colon < eol && *colon != ':'; colon++)
            ;
        if (colon == eol || colon == line || (size_t)(colon - line) >= sizeof(name))
            return BITSDO_E_INVALIDARG;
        for (p = line, n = 0; p < colon; p++) {
            if (*p > 0x7f || !is_tchar((int)*p))
                return BITSDO_E_INVALIDARG;
            name[n++] = (char)*p;
        }
        name[n] = 0;
        for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
            if (ieq(name, reserved[i]))
                return BITSDO_E_INVALIDARG;
        for (p = colon + 1; p < eol; p++)
            if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
                return BITSDO_E_INVALIDARG;
        line = *eol ? eol + 2 : eol;
    }
    return BITSDO_S_OK;
}

bitsdo_hr bitsdo_http_headers_lines(const bitsdo_wchar *headers, char **out)
{
    char *s, *grown;
    size_t n;
    bitsdo_hr hr;

    *out = NULL;
    if (!headers || !*headers)
        return BITSDO_S_OK;
    if (BITSDO_FAILED(hr = bitsdo_http_headers_check(headers)))
        return hr;
    if (!(s = bitsdo_utf8_from_wcs(headers, bitsdo_wcslen(headers))))
        return BITSDO_E_OUTOFMEMORY;
    n = strlen(s);
    if (!(n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n')) {
        if (!(grown = realloc(s, n + 3))) {
            free(s);
            return BITSDO_E_OUTOFMEMORY;
        }
        s = grown;
        memcpy(s + n, "\r\n", 3);
    }
    *out = s;
    return BITSDO_S_OK;
}
