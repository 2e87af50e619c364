/* Validation and classification of remote and local file names, as the
 * BITS AddFile documentation describes them. Pure string work: whether a
 * directory exists is for the caller (the Win32 side) to check. */
#ifndef BITSDO_CORE_NAMES_H
#define BITSDO_CORE_NAMES_H

#include "types.h"

#define BITSDO_MAX_REMOTE_NAME 2200  /* characters, without the terminator */
#define BITSDO_MAX_LOCAL_NAME  259   /* MAX_PATH - 1 */

typedef enum bitsdo_remote_kind {
    BITSDO_REMOTE_INVALID = 0,
    BITSDO_REMOTE_HTTP,    /* http://host/... */
    BITSDO_REMOTE_HTTPS,   /* https://host/... */
    BITSDO_REMOTE_FILE_URL,/* file:///C:/x, file://C:\\x, file://server/share/x, ... */
    BITSDO_REMOTE_UNC,     /* \\server\share\x */
    BITSDO_REMOTE_PATH,    /* C:\x (a local absolute path) */
} bitsdo_remote_kind;

/* Classifies a remote name. Returns S_OK and sets *kind, or E_INVALIDARG
 * and BITSDO_REMOTE_INVALID (NULL, empty, too long, a control character,
 * unsupported scheme, http(s) without a host or with a bad port, a URL path
 * segment over 260 characters, a file:// URL or path that is not a valid
 * path by the local-name rules, a relative or device path, ...).
 * Schemes are case-insensitive. Upload-only or unknown schemes (ftp:,
 * mailto:, ...) are E_INVALIDARG. */
bitsdo_hr bitsdo_remote_classify(const bitsdo_wchar *name, bitsdo_remote_kind *kind);

/* Checks a local name: absolute drive path (X:\...) or UNC (\\server\share\...),
 * at most BITSDO_MAX_LOCAL_NAME characters, no "\\?\" or "\\.\" prefix, no
 * alternate data stream (a ':' anywhere but after the drive letter), no
 * wildcard ('*', '?', and the DOS wildcards '<' '>' '"'), '|' or control
 * characters, not ending in a separator, no "." or ".." component (nor one
 * made only of dots and spaces), no component over 255 characters, no
 * reserved device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, CONIN$,
 * CONOUT$, with or without extension). '/' counts as a separator like '\'.
 * Returns S_OK or E_INVALIDARG. Remote UNC and drive paths follow the same
 * rules with the remote length limit. */
bitsdo_hr bitsdo_local_validate(const bitsdo_wchar *name);

/* Converts a file:// URL to a Windows path. The forms BITS clients use:
 *   file:///C:/a%20b, file://localhost/C:/x    -> C:\a b, C:\x
 *   file://C:/x, file://C:\x (path glued on)   -> C:\x
 *   file://server/share/x, file:////server/share/x, file://///server/share/x,
 *   file://\\server\share\x                      -> \\server\share\x
 * A name containing a backslash is a Windows path put after "file://" and is
 * copied as it is (no percent-decoding: '%' is a legal file-name character);
 * any other is a URL and is percent-decoded (UTF-8). '/' becomes '\'. out
 * has room for cap code units including the terminator. Returns S_OK, or
 * E_INVALIDARG for a malformed URL (not file://, no drive or server, a query
 * or fragment in a URL, a bad escape, %00 or another control character,
 * invalid UTF-8) or a path that does not fit in cap (out is then ""). The
 * result is not validated as a path: bitsdo_remote_classify does that. */
bitsdo_hr bitsdo_file_url_to_path(const bitsdo_wchar *url, bitsdo_wchar *out, size_t cap);

/* Length of the directory part of a validated local name, without the
 * final separator (C:\dir\file -> 6, C:\file -> 3 i.e. "C:\"). A file at the
 * root of a share keeps the separator too (\\srv\sh\f -> 9, "\\srv\sh\").
 * 0 if the name has no separator. */
size_t bitsdo_local_dir_len(const bitsdo_wchar *name);

#endif
