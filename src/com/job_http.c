/* IBackgroundCopyJobHttpOptions on the job object: custom request headers
 * and the HTTP security flags (certificate checks to skip, redirect
 * policy), both kept in the job record and applied by the HTTP transport.
 * Client certificates are not implemented: those four methods say so. */
#include "job_http.h"

#include <stdlib.h>

#include "errors.h"
#include "transport_http.h"
#include "wstr.h"

static bitsdo_job_http *impl_from_IBackgroundCopyJobHttpOptions(IBackgroundCopyJobHttpOptions *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_job_http, IBackgroundCopyJobHttpOptions_iface);
}

static HRESULT WINAPI http_QueryInterface(IBackgroundCopyJobHttpOptions *iface, REFIID riid, void **out)
{
    return IUnknown_QueryInterface(impl_from_IBackgroundCopyJobHttpOptions(iface)->outer, riid, out);
}

static ULONG WINAPI http_AddRef(IBackgroundCopyJobHttpOptions *iface)
{
    return IUnknown_AddRef(impl_from_IBackgroundCopyJobHttpOptions(iface)->outer);
}

static ULONG WINAPI http_Release(IBackgroundCopyJobHttpOptions *iface)
{
    return IUnknown_Release(impl_from_IBackgroundCopyJobHttpOptions(iface)->outer);
}

static HRESULT WINAPI http_SetClientCertificateByID(IBackgroundCopyJobHttpOptions *iface,
                                                    BG_CERT_STORE_LOCATION location, LPCWSTR store,
                                                    byte *hash)
{
    (void)iface;
    (void)location;
    (void)store;
    (void)hash;
    return E_NOTIMPL;
}

static HRESULT WINAPI http_SetClientCertificateByName(IBackgroundCopyJobHttpOptions *iface,
                                                      BG_CERT_STORE_LOCATION location, LPCWSTR store,
                                                      LPCWSTR subject)
{
    (void)iface;
    (void)location;
    (void)store;
    (void)subject;
    return E_NOTIMPL;
}

static HRESULT WINAPI http_RemoveClientCertificate(IBackgroundCopyJobHttpOptions *iface)
{
    (void)iface;
    return E_NOTIMPL;
}

static HRESULT WINAPI http_GetClientCertificate(IBackgroundCopyJobHttpOptions *iface,
                                                BG_CERT_STORE_LOCATION *location, LPWSTR *store, byte **hash,
                                                LPWSTR *subject)
{
    (void)iface;
    if (!location || !store || !hash || !subject)
        return E_POINTER;
    *store = *subject = NULL;
    *hash = NULL;
    return E_NOTIMPL;
}

/* NULL (or an empty string) removes the headers. */
static HRESULT WINAPI http_SetCustomHeaders(IBackgroundCopyJobHttpOptions *iface, LPCWSTR headers)
{
    bitsdo_job *job = impl_from_IBackgroundCopyJobHttpOptions(iface)->job;
    bitsdo_wchar *copy = NULL;
    HRESULT hr;

    if (FAILED(hr = bitsdo_http_check_headers(headers)))
        return hr;
    if (headers && *headers && !(copy = bitsdo_wcsdup((const bitsdo_wchar *)headers)))
        return E_OUTOFMEMORY;
    if (FAILED(hr = bitsdo_job_modify_begin(job))) {
        free(copy);
        return hr;
    }
    free(job->rec.http_headers);
    job->rec.http_headers = copy;
    bitsdo_job_modify_end(job, TRUE);
    return S_OK;
}

/* S_FALSE with NULL when the job has none, as documented. */
static HRESULT WINAPI http_GetCustomHeaders(IBackgroundCopyJobHttpOptions *iface, LPWSTR *headers)
{
    bitsdo_job *job = impl_from_IBackgroundCopyJobHttpOptions(iface)->job;
    HRESULT hr = S_FALSE;

    if (!headers)
        return E_POINTER;
    *headers = NULL;
    AcquireSRWLockShared(&job->lock);
    if (job->rec.http_headers)
        hr = bitsdo_co_strdup((const WCHAR *)job->rec.http_headers, headers);
    ReleaseSRWLockShared(&job->lock);
    return hr;
}

static HRESULT WINAPI http_SetSecurityFlags(IBackgroundCopyJobHttpOptions *iface, ULONG flags)
{
    bitsdo_job *job = impl_from_IBackgroundCopyJobHttpOptions(iface)->job;
    HRESULT hr;

    if (FAILED(hr = bitsdo_http_check_security_flags(flags)))
        return hr;
    if (FAILED(hr = bitsdo_job_modify_begin(job)))
        return hr;
    job->rec.security_flags = flags;
    bitsdo_job_modify_end(job, TRUE);
    return S_OK;
}

static HRESULT WINAPI http_GetSecurityFlags(IBackgroundCopyJobHttpOptions *iface, ULONG *flags)
{
    bitsdo_job *job = impl_from_IBackgroundCopyJobHttpOptions(iface)->job;

    if (!flags)
        return E_POINTER;
    AcquireSRWLockShared(&job->lock);
    *flags = job->rec.security_flags;
    ReleaseSRWLockShared(&job->lock);
    return S_OK;
}

static const IBackgroundCopyJobHttpOptionsVtbl http_vtbl = {
    http_QueryInterface,
    http_AddRef,
    http_Release,
    http_SetClientCertificateByID,
    http_SetClientCertificateByName,
    http_RemoveClientCertificate,
    http_GetClientCertificate,
    http_SetCustomHeaders,
    http_GetCustomHeaders,
    http_SetSecurityFlags,
    http_GetSecurityFlags,
};

void bitsdo_job_http_init(bitsdo_job_http *http, IUnknown *outer, bitsdo_job *job)
{
    http->IBackgroundCopyJobHttpOptions_iface.lpVtbl = &http_vtbl;
    http->outer = outer;
    http->job = job;
}
