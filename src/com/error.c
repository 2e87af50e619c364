/* IBackgroundCopyError: the job's last error as it was when asked for, and
 * the error descriptions shared with the manager. */
#include "objects.h"

#include <stdlib.h>
#include <wchar.h>

#include "errors.h"
#include "names.h"

typedef struct bitsdo_error_object {
    IBackgroundCopyError IBackgroundCopyError_iface;
    LONG refs;
    bitsdo_job *job;
    HRESULT code;
    DWORD context;
    int32_t file; /* -1: the error is not about one file */
} bitsdo_error_object;

/* Our texts are English only; every LANGID gets them. */
static HRESULT utf8_to_co(const char *text, LPWSTR *out)
{
    int len = MultiByteToWideChar(CP_UTF8, 0, text, -1, NULL, 0);

    if (len <= 0)
        return HRESULT_FROM_WIN32(GetLastError());
    if (!(*out = CoTaskMemAlloc(len * sizeof(WCHAR))))
        return E_OUTOFMEMORY;
    MultiByteToWideChar(CP_UTF8, 0, text, -1, *out, len);
    return S_OK;
}

/* FormatMessage from the system table, and for a WinHTTP code first from
 * winhttp.dll's own message table (that is where Windows keeps those texts:
 * the system table has none). A Win32 HRESULT is also tried as its bare
 * Win32 code, the form message tables are keyed by. */
static DWORD format_system(HRESULT code, DWORD langid, WCHAR **sys)
{
    DWORD flags = FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS;
    DWORD ids[2], n = 0, i, len = 0;
    HMODULE winhttp = NULL;

    if (HRESULT_FACILITY(code) == FACILITY_WIN32 && (code & 0x80000000)) {
        DWORD win32 = HRESULT_CODE(code);

        /* ERROR_WINHTTP_*: 12001..12190. bitsdo.dll imports winhttp.dll, so
         * it is loaded for as long as we are. */
        if (win32 > 12000 && win32 <= 12190)
            winhttp = GetModuleHandleW(L"winhttp.dll");
        ids[n++] = win32;
    }
    ids[n++] = (DWORD)code;
    for (i = 0; i < n && !len; i++) {
        len = FormatMessageW(flags | (winhttp ? FORMAT_MESSAGE_FROM_HMODULE : 0), winhttp, ids[i], langid,
                             (WCHAR *)sys, 0, NULL);
        if (!len && langid)
            len = FormatMessageW(flags | (winhttp ? FORMAT_MESSAGE_FROM_HMODULE : 0), winhttp, ids[i], 0,
                                 (WCHAR *)sys, 0, NULL);
    }
    return len;
}

/* A description for every code a job can report: our table for BG_/DO_/QM_
 * codes; the system's text (WinHTTP's from winhttp.dll) for the rest; our
 * English text for WinHTTP and Winsock codes when the system has none (Wine's
 * winhttp.dll carries no message table, and its system table lacks some
 * Winsock codes) and for HTTP statuses bitsmsg.h does not name; else
 * ERROR_MR_MID_NOT_FOUND. */
HRESULT bitsdo_describe_error(HRESULT code, DWORD langid, LPWSTR *out)
{
    const char *text = bitsdo_error_text(code);
    WCHAR *sys = NULL;
    HRESULT hr;

    *out = NULL;
    if (text)
        return utf8_to_co(text, out);
    if (!format_system(code, langid, &sys)) {
        WCHAR status[64];

        if ((text = bitsdo_sys_error_text(code)))
            return utf8_to_co(text, out);
        /* BG_E_HTTP_ERROR_nnn for a status bitsmsg.h has no name for (429,
         * 451, ...): the transport reports every status that way. */
        if (((DWORD)code & 0xFFFF0000u) == 0x80190000u && (code & 0xFFFF) >= 100 && (code & 0xFFFF) <= 999) {
            swprintf(status, ARRAYSIZE(status), L"The server replied with HTTP status %u.",
                     (unsigned)(code & 0xFFFF));
            return bitsdo_co_strdup(status, out);
        }
        return HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND);
    }
    hr = bitsdo_co_strdup(sys, out);
    LocalFree(sys);
    return hr;
}

static bitsdo_error_object *impl_from_IBackgroundCopyError(IBackgroundCopyError *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_error_object, IBackgroundCopyError_iface);
}

static HRESULT WINAPI error_QueryInterface(IBackgroundCopyError *iface, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyError)) {
        *out = iface;
        IBackgroundCopyError_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI error_AddRef(IBackgroundCopyError *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyError(iface)->refs);
}

static ULONG WINAPI error_Release(IBackgroundCopyError *iface)
{
    bitsdo_error_object *object = impl_from_IBackgroundCopyError(iface);
    ULONG refs = InterlockedDecrement(&object->refs);

    if (!refs) {
        bitsdo_job_release(object->job);
        free(object);
        bitsdo_module_release();
    }
    return refs;
}

static HRESULT WINAPI error_GetError(IBackgroundCopyError *iface, BG_ERROR_CONTEXT *context, HRESULT *code)
{
    bitsdo_error_object *object = impl_from_IBackgroundCopyError(iface);

    if (!context || !code)
        return E_POINTER;
    *context = (BG_ERROR_CONTEXT)object->context;
    *code = object->code;
    return S_OK;
}

static HRESULT WINAPI error_GetFile(IBackgroundCopyError *iface, IBackgroundCopyFile **out)
{
    bitsdo_error_object *object = impl_from_IBackgroundCopyError(iface);

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (object->file < 0)
        return BITSDO_BG_E_FILE_NOT_AVAILABLE;
    return bitsdo_file_object_create(object->job, (uint32_t)object->file, out);
}

/* Both descriptions: documented E_INVALIDARG for LanguageId 0. */
static HRESULT WINAPI error_GetErrorDescription(IBackgroundCopyError *iface, DWORD langid, LPWSTR *out)
{
    if (!out)
        return E_POINTER;
    if (!langid)
        return E_INVALIDARG;
    return bitsdo_describe_error(impl_from_IBackgroundCopyError(iface)->code, langid, out);
}

static HRESULT WINAPI error_GetErrorContextDescription(IBackgroundCopyError *iface, DWORD langid,
                                                       LPWSTR *out)
{
    const char *text;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!langid)
        return E_INVALIDARG;
    if (!(text = bitsdo_context_text(impl_from_IBackgroundCopyError(iface)->context)))
        return HRESULT_FROM_WIN32(ERROR_MR_MID_NOT_FOUND);
    return utf8_to_co(text, out);
}

static HRESULT WINAPI error_GetProtocol(IBackgroundCopyError *iface, LPWSTR *out)
{
    bitsdo_error_object *object = impl_from_IBackgroundCopyError(iface);
    bitsdo_remote_kind kind = BITSDO_REMOTE_INVALID;
    const WCHAR *protocol;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (object->file < 0)
        return BITSDO_BG_E_PROTOCOL_NOT_AVAILABLE;
    AcquireSRWLockShared(&object->job->lock);
    if ((uint32_t)object->file < object->job->rec.file_count)
        bitsdo_remote_classify(object->job->rec.files[object->file]->remote_name, &kind);
    ReleaseSRWLockShared(&object->job->lock);
    switch (kind) {
    case BITSDO_REMOTE_HTTP:
        protocol = L"http";
        break;
    case BITSDO_REMOTE_HTTPS:
        protocol = L"https";
        break;
    case BITSDO_REMOTE_INVALID:
        return BITSDO_BG_E_PROTOCOL_NOT_AVAILABLE;
    default:
        protocol = L"file";
    }
    return bitsdo_co_strdup(protocol, out);
}

static const IBackgroundCopyErrorVtbl error_vtbl = {
    error_QueryInterface,
    error_AddRef,
    error_Release,
    error_GetError,
    error_GetFile,
    error_GetErrorDescription,
    error_GetErrorContextDescription,
    error_GetProtocol,
};

HRESULT bitsdo_error_object_create(bitsdo_job *job, IBackgroundCopyError **out)
{
    bitsdo_error_object *object;
    bitsdo_state state;

    if (!(object = calloc(1, sizeof(*object))))
        return E_OUTOFMEMORY;
    AcquireSRWLockShared(&job->lock);
    state = job->rec.state;
    object->code = job->rec.error_hr;
    object->context = job->rec.error_context;
    object->file = job->rec.error_file;
    ReleaseSRWLockShared(&job->lock);
    if (state != BITSDO_STATE_ERROR && state != BITSDO_STATE_TRANSIENT_ERROR) {
        free(object);
        return BITSDO_BG_E_ERROR_INFORMATION_UNAVAILABLE;
    }
    object->IBackgroundCopyError_iface.lpVtbl = &error_vtbl;
    object->refs = 1;
    object->job = job;
    bitsdo_job_addref(job);
    bitsdo_module_addref();
    *out = &object->IBackgroundCopyError_iface;
    return S_OK;
}
