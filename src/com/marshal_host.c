/* IMarshal of the host's job objects (BITS job, DO download), embedded in
 * them (jobref.h): custom marshaling to CLSID_BitsdoJobClient for another
 * process of the machine, standard marshaling for everything else.
 *
 * Invariant: GetUnmarshalClass, GetMarshalSizeMax and MarshalInterface
 * decide the same way for the same arguments (custom() below depends only
 * on them and on state that does not change while the object lives: host
 * mode, the host's generation, the job's slot). Wine asks our IMarshal for
 * every destination, in-process ones included (the GIT, cross-apartment
 * streams), so "standard" must be a complete standard marshaling: we hand
 * the call to CoGetStandardMarshal's marshaler of the same object, never
 * to CoMarshalInterface (which would ask us again). The custom data is the
 * header followed by that same standard marshaling: the client unmarshals
 * it into a real proxy, and releasing the data releases that. */
#include "jobref.h"
#include "hostinfo.h"
#include "progmap.h"

static bitsdo_marshal_host *impl_from_IMarshal(IMarshal *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_marshal_host, IMarshal_iface);
}

static HRESULT WINAPI mh_QueryInterface(IMarshal *iface, REFIID riid, void **out)
{
    return IUnknown_QueryInterface(impl_from_IMarshal(iface)->outer, riid, out);
}

static ULONG WINAPI mh_AddRef(IMarshal *iface)
{
    return IUnknown_AddRef(impl_from_IMarshal(iface)->outer);
}

static ULONG WINAPI mh_Release(IMarshal *iface)
{
    return IUnknown_Release(impl_from_IMarshal(iface)->outer);
}

/* On unless BITSDO_NO_CUSTOM_MARSHAL=1 is in the host's environment (then
 * every client gets plain standard proxies, for comparison and as a way
 * out). */
static BOOL custom_enabled(void)
{
    static volatile LONG state; /* 0 unknown, 1 off, 2 on */
    LONG s = state;

    if (!s) {
        WCHAR buf[8];
        DWORD n = GetEnvironmentVariableW(L"BITSDO_NO_CUSTOM_MARSHAL", buf, ARRAYSIZE(buf));

        s = (n == 1 && buf[0] == L'1') ? 1 : 2;
        InterlockedExchange(&state, s);
    }
    return s == 2;
}

/* A job's slot, or none (a manager has no job). */
static uint32_t slot_of(const bitsdo_marshal_host *m)
{
    return m->job ? m->job->progress_slot : BITSDO_PROGMAP_NO_SLOT;
}

/* A job object needs its slot and the progress mapping; a manager only
 * the host (its client object is there for IClientSecurity). */
static BOOL applies(const bitsdo_marshal_host *m, uint64_t *generation)
{
    *generation = 0;
    if (!m->job) {
        if (!bitsdo_host_mode())
            return FALSE;
        bitsdo_host_progress(generation); /* names the host's generation if it has a mapping */
        return TRUE;
    }
    return slot_of(m) != BITSDO_PROGMAP_NO_SLOT && bitsdo_host_progress(generation);
}

BOOL bitsdo_marshal_host_wanted(const bitsdo_marshal_host *m)
{
    uint64_t generation;

    return custom_enabled() && applies(m, &generation);
}

/* Custom marshaling applies: fills the header if ref is not NULL. */
static BOOL custom(bitsdo_marshal_host *m, REFIID riid, DWORD dest, bitsdo_jobref *ref)
{
    uint64_t generation;

    if (dest != MSHCTX_LOCAL || !applies(m, &generation))
        return FALSE;
    if (ref) {
        memset(ref, 0, sizeof(*ref));
        ref->magic = BITSDO_JOBREF_MAGIC;
        ref->version = BITSDO_JOBREF_VERSION;
        ref->facade = m->facade;
        ref->slot = slot_of(m);
        ref->generation = generation;
        ref->host_pid = GetCurrentProcessId();
        if (m->job)
            memcpy(&ref->job_id, m->job->rec.id, sizeof(ref->job_id));
        ref->iid = *riid;
    }
    return TRUE;
}

static HRESULT standard(bitsdo_marshal_host *m, REFIID riid, DWORD dest, void *dest_ctx, DWORD flags,
                        IMarshal **out)
{
    return CoGetStandardMarshal(riid, m->outer, dest, dest_ctx, flags, out);
}

static HRESULT WINAPI mh_GetUnmarshalClass(IMarshal *iface, REFIID riid, void *pv, DWORD dest, void *dest_ctx,
                                           DWORD flags, CLSID *clsid)
{
    bitsdo_marshal_host *m = impl_from_IMarshal(iface);
    IMarshal *std;
    HRESULT hr;

    if (!clsid)
        return E_POINTER;
    if (custom(m, riid, dest, NULL)) {
        *clsid = CLSID_BitsdoJobClient;
        return S_OK;
    }
    if (FAILED(hr = standard(m, riid, dest, dest_ctx, flags, &std)))
        return hr;
    hr = IMarshal_GetUnmarshalClass(std, riid, pv, dest, dest_ctx, flags, clsid);
    IMarshal_Release(std);
    return hr;
}

static HRESULT WINAPI mh_GetMarshalSizeMax(IMarshal *iface, REFIID riid, void *pv, DWORD dest, void *dest_ctx,
                                           DWORD flags, DWORD *size)
{
    bitsdo_marshal_host *m = impl_from_IMarshal(iface);
    IMarshal *std;
    HRESULT hr;

    if (!size)
        return E_POINTER;
    if (FAILED(hr = standard(m, riid, dest, dest_ctx, flags, &std)))
        return hr;
    hr = IMarshal_GetMarshalSizeMax(std, riid, pv, dest, dest_ctx, flags, size);
    IMarshal_Release(std);
    /* Our header, then the standard OBJREF (the standard marshaler's
     * figure counts its header), then padding up to this figure. */
    if (SUCCEEDED(hr) && custom(m, riid, dest, NULL))
        *size += sizeof(bitsdo_jobref);
    return hr;
}

struct std_marshal_args {
    IMarshal *std;
    REFIID riid;
    void *pv;
    DWORD dest;
    void *dest_ctx;
    DWORD flags;
};

static HRESULT std_marshal(void *ctx, IStream *stream)
{
    struct std_marshal_args *a = ctx;

    return IMarshal_MarshalInterface(a->std, stream, a->riid, a->pv, a->dest, a->dest_ctx, a->flags);
}

static HRESULT WINAPI mh_MarshalInterface(IMarshal *iface, IStream *stream, REFIID riid, void *pv, DWORD dest,
                                          void *dest_ctx, DWORD flags)
{
    bitsdo_marshal_host *m = impl_from_IMarshal(iface);
    struct std_marshal_args args = {NULL, riid, pv, dest, dest_ctx, flags};
    bitsdo_jobref ref;
    HRESULT hr;

    if (!stream)
        return E_INVALIDARG;
    if (FAILED(hr = standard(m, riid, dest, dest_ctx, flags, &args.std)))
        return hr;
    if (!custom(m, riid, dest, &ref))
        hr = std_marshal(&args, stream);
    else
        hr = bitsdo_jobref_write(stream, &ref, m->outer, riid, dest, dest_ctx, flags, std_marshal, &args);
    IMarshal_Release(args.std);
    return hr;
}

/* The rest is asked of the unmarshal class, which for custom marshaling is
 * CLSID_BitsdoJobClient and otherwise the standard marshaler; should
 * someone ask this object anyway, the standard marshaler answers. */
static HRESULT WINAPI mh_UnmarshalInterface(IMarshal *iface, IStream *stream, REFIID riid, void **out)
{
    bitsdo_marshal_host *m = impl_from_IMarshal(iface);
    IMarshal *std;
    HRESULT hr;

    if (FAILED(hr = standard(m, riid, MSHCTX_INPROC, NULL, MSHLFLAGS_NORMAL, &std)))
        return hr;
    hr = IMarshal_UnmarshalInterface(std, stream, riid, out);
    IMarshal_Release(std);
    return hr;
}

static HRESULT WINAPI mh_ReleaseMarshalData(IMarshal *iface, IStream *stream)
{
    bitsdo_marshal_host *m = impl_from_IMarshal(iface);
    IMarshal *std;
    HRESULT hr;

    if (FAILED(hr = standard(m, &IID_IUnknown, MSHCTX_INPROC, NULL, MSHLFLAGS_NORMAL, &std)))
        return hr;
    hr = IMarshal_ReleaseMarshalData(std, stream);
    IMarshal_Release(std);
    return hr;
}

static HRESULT WINAPI mh_DisconnectObject(IMarshal *iface, DWORD reserved)
{
    bitsdo_marshal_host *m = impl_from_IMarshal(iface);
    IMarshal *std;
    HRESULT hr;

    if (FAILED(hr = standard(m, &IID_IUnknown, MSHCTX_INPROC, NULL, MSHLFLAGS_NORMAL, &std)))
        return hr;
    hr = IMarshal_DisconnectObject(std, reserved);
    IMarshal_Release(std);
    return hr;
}

static const IMarshalVtbl marshal_host_vtbl = {
    mh_QueryInterface,
    mh_AddRef,
    mh_Release,
    mh_GetUnmarshalClass,
    mh_GetMarshalSizeMax,
    mh_MarshalInterface,
    mh_UnmarshalInterface,
    mh_ReleaseMarshalData,
    mh_DisconnectObject,
};

void bitsdo_marshal_host_init(bitsdo_marshal_host *m, IUnknown *outer, bitsdo_job *job, uint32_t facade)
{
    m->IMarshal_iface.lpVtbl = &marshal_host_vtbl;
    m->outer = outer;
    m->job = job;
    m->facade = facade;
}
