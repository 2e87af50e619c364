/* The byte rules of the HTTP transport: response heads (status line,
 * fields, Content-Length, Content-Range, Transfer-Encoding, Connection),
 * how a response's body is delimited, chunked framing, and the job's
 * custom request header lists. Both wires of src/transfer (our Winsock
 * client and WinHTTP) hand their bytes to these functions; nothing here
 * does I/O, so it builds natively and is fuzzed (tests/fuzz/fuzz_httphead.c,
 * fuzz_chunked.c).
 *
 * What is refused, and why: anything RFC 9112 calls invalid in a response
 * head and anything that would make the body's length ambiguous (Content-
 * Length values that disagree, a Transfer-Encoding other than plain
 * chunked, two Content-Range fields) is BITSDO_HTTP_E_INVALID_RESPONSE:
 * a reply the client cannot be sure how to read is never guessed at. */
#ifndef BITSDO_CORE_HTTPPARSE_H
#define BITSDO_CORE_HTTPPARSE_H

#include "types.h"

/* HRESULT_FROM_WIN32(ERROR_WINHTTP_INVALID_SERVER_RESPONSE): what either
 * wire reports for a reply that is not valid HTTP. */
#define BITSDO_HTTP_E_INVALID_RESPONSE BITSDO_HR(0x80072F78)

/* A response head, parsed. The head is kept in `raw` in a compact form:
 * "status line\0", then "name\0value\0" per field (value without the
 * spaces around it), then "\0". The string fields point into raw or are
 * NULL. Flags are 0 or 1. */
typedef struct bitsdo_http_head {
    char *raw; /* malloc'ed */
    size_t raw_len;
    int minor; /* HTTP/1.minor */
    int status;
    int has_length; /* Content-Length given and no Transfer-Encoding */
    uint64_t length;
    int chunked;    /* Transfer-Encoding: chunked */
    int conn_close; /* the server closes after this response */
    int keep_alive; /* Connection: keep-alive (matters for HTTP/1.0) */
    int has_range;  /* Content-Range: bytes first-last/total (or / and an asterisk) */
    uint64_t range_first, range_last, range_total;
    int range_total_known;
    int range_unsatisfied;  /* Content-Range: bytes, an asterisk, /total */
    int accept_ranges_none; /* Accept-Ranges: none */
    const char *etag;       /* the first of each */
    const char *last_modified;
    const char *location;
    int www_basic; /* a WWW-Authenticate challenge names Basic */
} bitsdo_http_head;

/* Parses the len bytes of a head: "HTTP/1.x NNN[ reason]", header lines,
 * and the empty line (each line ended by CRLF or a bare LF). Refused:
 * a NUL anywhere, a bare CR, another version, a status outside 100-599,
 * a control character in the reason phrase (tab allowed),
 * obsolete line folding, a field name that is not a token, a control
 * character in a value (tab allowed), Content-Length values that are not
 * all the same number (RFC 9110 8.6 allows "n, n"), a number over
 * 2^64 - 10, a Transfer-Encoding other than one "chunked", a malformed or
 * second Content-Range (see bitsdo_http_content_range), a head without the
 * empty line. Bytes after the empty line are ignored. S_OK and *h filled
 * (free it with bitsdo_http_head_free), BITSDO_HTTP_E_INVALID_RESPONSE or
 * E_OUTOFMEMORY with *h zeroed. */
bitsdo_hr bitsdo_http_head_parse(const char *bytes, size_t len, bitsdo_http_head *h);
void bitsdo_http_head_free(bitsdo_http_head *h);

/* The value of the first field `name` (ASCII case-insensitive), or NULL. */
const char *bitsdo_http_head_field(const bitsdo_http_head *h, const char *name);

/* Walks the fields: pass NULL for the first; returns the next field's
 * name (and *value), or NULL after the last. */
const char *bitsdo_http_head_next(const bitsdo_http_head *h, const char *prev, const char **value);

/* The head as text: the status line and "Name: value" lines, each ended
 * by CRLF (without the final empty line). malloc'ed; NULL on out of
 * memory or an empty head. */
char *bitsdo_http_head_text(const bitsdo_http_head *h);

/* Content-Length's value: one number or a comma-separated list of equal
 * numbers. With *seen set, the value must also equal *out (a repeated
 * field). 1 and *out, *seen set; 0 if invalid. */
int bitsdo_http_content_length(const char *value, uint64_t *out, int *seen);

/* Content-Range's value: "bytes first-last/total", "bytes first-last/"
 * and an asterisk (total unknown), or "bytes ", an asterisk, "/total"
 * (range not satisfiable). first <= last < total. Sets the range fields
 * of *h; 1 if valid, else 0. */
int bitsdo_http_content_range(const char *value, bitsdo_http_head *h);

/* 1 if the comma-separated list `value` holds `token` (ASCII case-
 * insensitive; a token followed by parameters ";..." counts). */
int bitsdo_http_has_token(const char *value, const char *token);

/* How a response's body is delimited (RFC 9112 6.3), for a GET. */
typedef enum bitsdo_http_body_kind {
    BITSDO_HTTP_BODY_NONE,    /* 1xx, 204, 304: no body */
    BITSDO_HTTP_BODY_LENGTH,  /* Content-Length bytes */
    BITSDO_HTTP_BODY_CHUNKED, /* chunked framing (see bitsdo_chunked) */
    BITSDO_HTTP_BODY_CLOSE,   /* until the server closes the connection */
} bitsdo_http_body_kind;

typedef struct bitsdo_http_body {
    bitsdo_http_body_kind kind;
    uint64_t length;     /* LENGTH */
    int close_announced; /* Connection: close, or HTTP/1.0 without keep-alive */
    int reusable;        /* the connection may carry another request after the body */
} bitsdo_http_body;

void bitsdo_http_body_framing(const bitsdo_http_head *h, bitsdo_http_body *b);

/* Chunked framing, undone incrementally: feed the body's bytes as they
 * come, in pieces of any size, and get the data spans between the framing.
 *
 *   chunk      = 1*15HEXDIG *(SP / HTAB) [ ";" extension ] [CR] LF, data, [CR] LF
 *   last chunk = a size of 0, then trailer lines up to an empty line
 *
 * A size line or trailer line is at most BITSDO_CHUNK_LINE_MAX - 1 bytes
 * before its LF (CR included); extensions and trailer lines are not
 * interpreted. A size over 15 hex digits (leading zeros count), leading
 * spaces, a bare CR in the size, a NUL before the extension, or anything
 * but CRLF or LF after a chunk's data is an error. */
#define BITSDO_CHUNK_LINE_MAX 1024

typedef enum bitsdo_chunk_status {
    BITSDO_CHUNK_MORE,  /* every byte given was framing: feed more */
    BITSDO_CHUNK_DATA,  /* a data span is ready */
    BITSDO_CHUNK_END,   /* the last chunk and its trailers are complete */
    BITSDO_CHUNK_ERROR, /* malformed framing (stays in error) */
} bitsdo_chunk_status;

typedef struct bitsdo_chunked {
    int state;
    uint64_t left;   /* data bytes left in the current chunk */
    uint64_t size;   /* the size line's value so far */
    unsigned digits; /* its hex digits */
    size_t line;     /* bytes of the current line so far */
    int line_cr;     /* the trailer line so far is a lone CR */
} bitsdo_chunked;

void bitsdo_chunked_init(bitsdo_chunked *c);

/* Feeds len bytes at in. Consumes framing bytes and stops at the first
 * data span (DATA: the span is in[*data_off .. *data_off + *data_len),
 * never empty, and *used == *data_off + *data_len), at the end of the body
 * (END: *used bytes were the body's last; what follows is not the body's),
 * or when the bytes ran out (MORE: *used == len). ERROR: the framing is
 * malformed; *used is where. A DATA span never crosses a chunk's end: call
 * again with the rest. After END or ERROR every call returns the same with
 * *used == 0. */
bitsdo_chunk_status bitsdo_chunked_feed(bitsdo_chunked *c, const unsigned char *in, size_t len, size_t *used,
                                        size_t *data_off, size_t *data_len);

/* Data bytes of the current chunk that come next in the stream: a reader
 * may take up to this many bytes straight into its buffer and feed them
 * (they come back as one DATA span). 0 while framing comes next. */
uint64_t bitsdo_chunked_data_left(const bitsdo_chunked *c);

/* Custom request headers (IBackgroundCopyJobHttpOptions::SetCustomHeaders,
 * DO's HttpCustomHeaders): lines "Name: value", each ended by CRLF (the
 * last one may lack it), a token name, no control character in the value
 * but tab, no bare CR or LF, no empty line (it would end the request head)
 * and none of the fields the transport sends itself (Host, Range,
 * If-Range, Content-Length, Transfer-Encoding). At most
 * BITSDO_HTTP_MAX_HEADER_CHARS characters. */
#define BITSDO_HTTP_MAX_HEADER_CHARS 16383

/* S_OK (also for NULL or empty), E_INVALIDARG, or BG_E_STRING_TOO_LONG. */
bitsdo_hr bitsdo_http_headers_check(const bitsdo_wchar *headers);

/* The checked list as UTF-8 request lines, each ended by CRLF, malloc'ed
 * in *out (NULL for NULL or empty headers). S_OK, the check's error, or
 * E_OUTOFMEMORY. */
bitsdo_hr bitsdo_http_headers_lines(const bitsdo_wchar *headers, char **out);

#endif
