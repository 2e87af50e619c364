/* Delivery Optimization cache hosts (Microsoft Connected Cache and any
 * HTTP cache that speaks its URL form): the host list of the DOCacheHost
 * policy and the URL a download is requested with from a cache host.
 *
 * Connected Cache is asked for the origin's own path and query over http,
 * with the origin host added as the query parameter cacheHostOrigin:
 *     http://<cache host>/<path>?<query>&cacheHostOrigin=<origin host>
 * (Microsoft's verification URL for a cache node is
 * http://<cache>/mscomtest/wuidt.gif?cacheHostOrigin=au.download.windowsupdate.com).
 * A non-default origin port stays in the parameter (host:port), so a cache
 * can reach an origin on any port.
 *
 * Pure string work: portable C, no I/O. */
#ifndef BITSDO_CORE_CACHEHOST_H
#define BITSDO_CORE_CACHEHOST_H

#include "types.h"

#define BITSDO_CACHEHOST_MAX_NAME 262 /* "[v6 address]:port" or a DNS name and port */

/* Entry `index` (0-based) of a DOCacheHost list: comma-separated host
 * names or addresses, each with an optional ":port", IPv6 addresses in
 * brackets; spaces around entries are ignored, as are empty entries.
 * Entries with any other character (a path, a user, a scheme, a control
 * character) or longer than BITSDO_CACHEHOST_MAX_NAME are skipped, so one
 * bad entry cannot reshape the request URL. Copies the entry, terminated,
 * into out (cap code units) and returns 1; 0 when there is no such entry. */
int bitsdo_cachehost_entry(const bitsdo_wchar *list, size_t index, bitsdo_wchar *out, size_t cap);

/* The URL to request `origin` (an http:// or https:// URL) from cache host
 * `host` (an entry as above). The origin's user information and fragment
 * are dropped; its path (at least "/") and query are kept. Returns a
 * malloc'ed string, or NULL when origin is not an absolute http(s) URL
 * with a host, or on out of memory. */
bitsdo_wchar *bitsdo_cachehost_url(const bitsdo_wchar *host, const bitsdo_wchar *origin);

#endif
