/* What the rest of the DLL sees of the HTTP/HTTPS transport: the transport
 * itself (registered in fetch.c) and the job settings that live only in
 * memory (credentials are never written into the plain-data job record). */
#ifndef BITSDO_TRANSFER_TRANSPORT_HTTP_H
#define BITSDO_TRANSFER_TRANSPORT_HTTP_H

#include <windows.h>

#include "DeliveryOptimization.h"
#include "engine.h"

struct bitsdo_transport;
extern const struct bitsdo_transport bitsdo_transport_http;

/* IBackgroundCopyJob2::SetCredentials: replaces the credentials of one
 * target and scheme pair. S_OK; BG_E_INVALID_AUTH_TARGET,
 * BG_E_INVALID_AUTH_SCHEME, BG_E_USERNAME_TOO_LARGE (> 300 characters),
 * BG_E_PASSWORD_TOO_LARGE (> 65,536), E_INVALIDARG (NULL credentials, a
 * NULL user name or password with Basic or Digest, or a CR or LF in
 * either: it could end a header line on the wire), BG_E_INVALID_STATE
 * once the job is cancelled or acknowledged, E_OUTOFMEMORY. NTLM and
 * Negotiate with a NULL user name and password mean the logged-on user. */
HRESULT bitsdo_http_set_credentials(bitsdo_job *job, const BG_AUTH_CREDENTIALS *cred);
/* IBackgroundCopyJob2::RemoveCredentials: S_OK, S_FALSE when none were
 * set for the pair, BG_E_INVALID_AUTH_TARGET / _SCHEME, BG_E_INVALID_STATE. */
HRESULT bitsdo_http_remove_credentials(bitsdo_job *job, BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme);
/* Wipes and drops every credential of a job: when it leaves the job list
 * (Complete, Cancel) and when it changes owner (TakeOwnership). */
void bitsdo_http_forget_credentials(const GUID *id);

/* IBackgroundCopyJobHttpOptions::SetCustomHeaders input check: lines of
 * "Name: value" each ended by CRLF (the last CRLF may be missing), a token
 * name, no bare CR or LF. The headers the transport sends itself (Host,
 * Range, If-Range, Content-Length, Transfer-Encoding) may not be given.
 * S_OK, E_INVALIDARG, BG_E_STRING_TOO_LONG (16,384 characters with the
 * terminator, as documented). */
HRESULT bitsdo_http_check_headers(const WCHAR *headers);

/* IBackgroundCopyJobHttpOptions::SetSecurityFlags input check: S_OK or
 * E_NOTIMPL for bits or a redirect policy value that do not exist. */
HRESULT bitsdo_http_check_security_flags(ULONG flags);

#endif
