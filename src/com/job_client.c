/* CLSID_BitsdoJobClient: the client-side view of a host job object
 * (docs/hosting.md, section 5). The host's BITS job and DO download objects
 * (and its DO manager, which has no job: facade BITSDO_FACADE_DO_MANAGER,
 * there for IClientSecurity)
 * marshal themselves to other processes as a header (jobref.h) followed by
 * their standard marshaling; this class reads that back into an object that
 *   - holds the standard proxy and forwards every method of every interface
 *     the host object answers to it (thunks generated from widl's header by
 *     tools/gen_forwarders.py: job_client_fwd.h in the build tree);
 *   - answers IBackgroundCopyJob::GetProgress/GetState and
 *     IDODownload::GetStatus from the job's slot of the host's progress
 *     mapping (src/core/progmap.h), read-only, without a call;
 *   - marshals itself the same way (to another apartment or process the
 *     receiver gets a client object again), and implements IClientSecurity
 *     so that CoSetProxyBlanket works on it (Wine's own proxies answer
 *     E_NOTIMPL there).
 *
 * Invariants: QueryInterface(IID_IUnknown) is always this object's own
 * IUnknown. An interface is handed out only if the proxy answered it (or a
 * later one of the same family: IBackgroundCopyJob..Job5 share one vtable,
 * and the thunks call through the highest the proxy answered, whose vtable
 * starts with the lower ones'). Proxy interfaces obtained are kept until the
 * object goes. A slot is used only if it holds this job's id and the host
 * is alive: heartbeat younger than 2 s, or else the host process not
 * signalled; a dead host gives RPC_E_DISCONNECTED, never stale figures.
 * Anything else (no mapping, slot being rewritten, host exiting cleanly)
 * asks the host through the proxy.
 *
 * BITSDO_NO_CUSTOM_MARSHAL=1 in the client's environment: unmarshaling
 * hands out the plain proxy instead (for comparisons and diagnosis). */
#include "jobref.h"
#include "hostinfo.h"
#include "progmap.h"

#include <stdlib.h>

#define HEARTBEAT_MAX_AGE_MS 2000
#define SLOT_READ_TRIES      1000

enum {
    JC_INNER_IBackgroundCopyJob5,
    JC_INNER_IBackgroundCopyJobHttpOptions,
    JC_INNER_IDeliveryOptimizationJob,
    JC_INNER_IDeliveryOptimizationJob2,
    JC_INNER_IDODownload,
    JC_INNER_IDOManager,
    JC_INNER_COUNT
};

/* A host generation's progress mapping, mapped once per process. */
typedef struct jc_view {
    struct jc_view *next;
    LONG refs;
    uint64_t generation;
    const bitsdo_progmap *map;
    HANDLE process; /* the host, SYNCHRONIZE */
} jc_view;

typedef struct bitsdo_job_client {
    IUnknown IUnknown_iface;
    IMarshal IMarshal_iface;
    IClientSecurity IClientSecurity_iface;
    IBackgroundCopyJob5 IBackgroundCopyJob5_iface;
    IBackgroundCopyJobHttpOptions IBackgroundCopyJobHttpOptions_iface;
    IDeliveryOptimizationJob IDeliveryOptimizationJob_iface;
    IDeliveryOptimizationJob2 IDeliveryOptimizationJob2_iface;
    IDODownload IDODownload_iface;
    IDOManager IDOManager_iface;
    LONG refs;
    bitsdo_jobref ref; /* as unmarshaled */
    IUnknown *proxy;   /* NULL: an unmarshaler only */
    jc_view *view;     /* NULL: every call goes to the host */
    const bitsdo_pslot *slot;
    SRWLOCK lock;                         /* guards the three below */
    void *volatile inner[JC_INNER_COUNT]; /* what the thunks call through */
    int level[JC_INNER_COUNT];            /* the level inner[] answers (0: none) */
    IUnknown *held[10];                   /* every proxy interface obtained */
    /* IClientSecurity: the blanket set on this object */
    DWORD authn, authz, authn_level, imp_level, caps;
} bitsdo_job_client;

/* The interfaces a client object may answer: family (vtable), level within
 * it, and the facade that has it. */
static const struct jc_iid {
    const IID *iid;
    int family;
    int level;
    uint32_t facade;
} jc_iids[] = {
    {&IID_IBackgroundCopyJob, JC_INNER_IBackgroundCopyJob5, 1, BITSDO_FACADE_BITS_JOB},
    {&IID_IBackgroundCopyJob2, JC_INNER_IBackgroundCopyJob5, 2, BITSDO_FACADE_BITS_JOB},
    {&IID_IBackgroundCopyJob3, JC_INNER_IBackgroundCopyJob5, 3, BITSDO_FACADE_BITS_JOB},
    {&IID_IBackgroundCopyJob4, JC_INNER_IBackgroundCopyJob5, 4, BITSDO_FACADE_BITS_JOB},
    {&IID_IBackgroundCopyJob5, JC_INNER_IBackgroundCopyJob5, 5, BITSDO_FACADE_BITS_JOB},
    {&IID_IBackgroundCopyJobHttpOptions, JC_INNER_IBackgroundCopyJobHttpOptions, 1, BITSDO_FACADE_BITS_JOB},
    {&IID_IDeliveryOptimizationJob, JC_INNER_IDeliveryOptimizationJob, 1, BITSDO_FACADE_BITS_JOB},
    {&IID_IDeliveryOptimizationJob2, JC_INNER_IDeliveryOptimizationJob2, 1, BITSDO_FACADE_BITS_JOB},
    {&IID_IDODownload, JC_INNER_IDODownload, 1, BITSDO_FACADE_DO_DOWNLOAD},
    {&IID_IDOManager, JC_INNER_IDOManager, 1, BITSDO_FACADE_DO_MANAGER},
};

static HRESULT jc_QueryInterface(bitsdo_job_client *c, REFIID riid, void **out);
static ULONG jc_AddRef(bitsdo_job_client *c);
static ULONG jc_Release(bitsdo_job_client *c);

static void *jc_inner(bitsdo_job_client *c, int which)
{
    return c->inner[which];
}

#include "job_client_fwd.h"

/* --- the progress mappings ------------------------------------------------ */

static SRWLOCK views_lock = SRWLOCK_INIT;
static jc_view *views;

static jc_view *view_get(const bitsdo_jobref *ref)
{
    WCHAR name[256];
    HANDLE mapping;
    const bitsdo_progmap *map = NULL;
    jc_view *v;

    AcquireSRWLockExclusive(&views_lock);
    for (v = views; v; v = v->next) {
        if (v->generation == ref->generation && v->map->header.pid == ref->host_pid) {
            v->refs++;
            break;
        }
    }
    if (v || !bitsdo_host_progress_name(ref->generation, name, ARRAYSIZE(name)) ||
        !(mapping = OpenFileMappingW(FILE_MAP_READ, FALSE, name)))
        goto done;
    map = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, sizeof(*map));
    CloseHandle(mapping); /* the view is enough for us; the host keeps the name */
    if (!map)
        goto done;
    if (map->header.magic != BITSDO_PROGMAP_MAGIC || map->header.version != BITSDO_PROGMAP_VERSION ||
        map->header.slot_count != BITSDO_PROGMAP_SLOTS || map->header.slot_size != BITSDO_PROGMAP_SLOT_SIZE ||
        map->header.generation != ref->generation || map->header.pid != ref->host_pid ||
        !(v = calloc(1, sizeof(*v)))) {
        UnmapViewOfFile(map);
        goto done;
    }
    if (!(v->process = OpenProcess(SYNCHRONIZE, FALSE, ref->host_pid))) {
        free(v);
        v = NULL;
        UnmapViewOfFile(map);
        goto done;
    }
    v->refs = 1;
    v->generation = ref->generation;
    v->map = map;
    v->next = views;
    views = v;
done:
    ReleaseSRWLockExclusive(&views_lock);
    return v;
}

static void view_put(jc_view *v)
{
    jc_view **p;

    if (!v)
        return;
    AcquireSRWLockExclusive(&views_lock);
    if (--v->refs) {
        v = NULL;
    } else {
        for (p = &views; *p; p = &(*p)->next) {
            if (*p == v) {
                *p = v->next;
                break;
            }
        }
    }
    ReleaseSRWLockExclusive(&views_lock);
    if (v) {
        UnmapViewOfFile((void *)v->map);
        CloseHandle(v->process);
        free(v);
    }
}

/* S_OK: *d is the job as the host has it now. S_FALSE: ask the host.
 * RPC_E_DISCONNECTED: the host is dead. */
static HRESULT jc_read(bitsdo_job_client *c, bitsdo_pslot_data *d)
{
    const bitsdo_progmap_header *header;
    ULONGLONG beat;

    if (!c->slot)
        return S_FALSE;
    header = &c->view->map->header;
    if (!bitsdo_pslot_read(c->slot, d, SLOT_READ_TRIES) || memcmp(d->id, &c->ref.job_id, sizeof(d->id)))
        return WaitForSingleObject(c->view->process, 0) == WAIT_TIMEOUT ? S_FALSE : RPC_E_DISCONNECTED;
    /* Read after the data: figures are used only if the host was alive
     * after they were read. */
    if (!bitsdo_progmap_alive(header))
        return S_FALSE; /* it is leaving: its own answer (or disconnection) */
    beat = bitsdo_progmap_heartbeat(header);
    if (GetTickCount64() > beat + HEARTBEAT_MAX_AGE_MS &&
        WaitForSingleObject(c->view->process, 0) != WAIT_TIMEOUT)
        return RPC_E_DISCONNECTED;
    return S_OK;
}

/* --- the answers from shared memory --------------------------------------- */

static HRESULT STDMETHODCALLTYPE jc_IBackgroundCopyJob5_GetProgress(IBackgroundCopyJob5 *This,
                                                                    BG_JOB_PROGRESS *out)
{
    bitsdo_pslot_data d;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    if ((hr = jc_read(jc_from_IBackgroundCopyJob5(This), &d)) == S_FALSE)
        return fwd_IBackgroundCopyJob5_GetProgress(This, out);
    if (FAILED(hr))
        return hr;
    out->BytesTotal = d.progress.bytes_total;
    out->BytesTransferred = d.progress.bytes_transferred;
    out->FilesTotal = d.progress.files_total;
    out->FilesTransferred = d.progress.files_transferred;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE jc_IBackgroundCopyJob5_GetState(IBackgroundCopyJob5 *This, BG_JOB_STATE *out)
{
    bitsdo_pslot_data d;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    if ((hr = jc_read(jc_from_IBackgroundCopyJob5(This), &d)) == S_FALSE)
        return fwd_IBackgroundCopyJob5_GetState(This, out);
    if (FAILED(hr))
        return hr;
    *out = (BG_JOB_STATE)d.public_state;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE jc_IDODownload_GetStatus(IDODownload *This, DO_DOWNLOAD_STATUS *out)
{
    bitsdo_pslot_data d;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    if ((hr = jc_read(jc_from_IDODownload(This), &d)) == S_FALSE)
        return fwd_IDODownload_GetStatus(This, out);
    if (FAILED(hr))
        return hr;
    /* as the download reads it: an unknown size is 0 */
    out->BytesTotal = d.progress.bytes_total == BITSDO_SIZE_UNKNOWN ? 0 : d.progress.bytes_total;
    out->BytesTransferred = d.progress.bytes_transferred;
    out->State = (DODownloadState)d.public_state;
    out->Error = (HRESULT)d.error_hr;
    out->ExtendedError = S_OK;
    return S_OK;
}

/* --- IUnknown --------------------------------------------------------------- */

static void *family_iface(bitsdo_job_client *c, int family)
{
    switch (family) {
    case JC_INNER_IBackgroundCopyJob5:
        return &c->IBackgroundCopyJob5_iface;
    case JC_INNER_IBackgroundCopyJobHttpOptions:
        return &c->IBackgroundCopyJobHttpOptions_iface;
    case JC_INNER_IDeliveryOptimizationJob:
        return &c->IDeliveryOptimizationJob_iface;
    case JC_INNER_IDeliveryOptimizationJob2:
        return &c->IDeliveryOptimizationJob2_iface;
    case JC_INNER_IDODownload:
        return &c->IDODownload_iface;
    default:
        return &c->IDOManager_iface;
    }
}

/* Makes sure the proxy answers e->iid (a round trip the first time). */
static HRESULT ensure_inner(bitsdo_job_client *c, const struct jc_iid *e)
{
    IUnknown *p = NULL;
    HRESULT hr = S_OK;
    size_t i;

    AcquireSRWLockShared(&c->lock);
    if (c->level[e->family] >= e->level) {
        ReleaseSRWLockShared(&c->lock);
        return S_OK;
    }
    ReleaseSRWLockShared(&c->lock);
    if (FAILED(hr = IUnknown_QueryInterface(c->proxy, e->iid, (void **)&p)))
        return hr;
    AcquireSRWLockExclusive(&c->lock);
    if (c->level[e->family] < e->level) {
        for (i = 0; i < ARRAYSIZE(c->held) && c->held[i]; i++)
            ;
        if (i < ARRAYSIZE(c->held)) {
            c->held[i] = p;
            p = NULL;
            c->inner[e->family] = c->held[i];
            c->level[e->family] = e->level;
        } else {
            hr = E_OUTOFMEMORY; /* cannot happen: one per jc_iids entry at most */
        }
    }
    ReleaseSRWLockExclusive(&c->lock);
    if (p)
        IUnknown_Release(p);
    return hr;
}

static HRESULT jc_QueryInterface(bitsdo_job_client *c, REFIID riid, void **out)
{
    size_t i;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (IsEqualIID(riid, &IID_IUnknown))
        *out = &c->IUnknown_iface;
    else if (IsEqualIID(riid, &IID_IMarshal))
        *out = &c->IMarshal_iface;
    else if (c->proxy && IsEqualIID(riid, &IID_IClientSecurity))
        *out = &c->IClientSecurity_iface;
    for (i = 0; !*out && c->proxy && i < ARRAYSIZE(jc_iids); i++) {
        if (!IsEqualIID(riid, jc_iids[i].iid))
            continue;
        if (jc_iids[i].facade != c->ref.facade)
            break;
        if (FAILED(hr = ensure_inner(c, &jc_iids[i])))
            return hr;
        *out = family_iface(c, jc_iids[i].family);
    }
    if (!*out)
        return E_NOINTERFACE;
    jc_AddRef(c);
    return S_OK;
}

static ULONG jc_AddRef(bitsdo_job_client *c)
{
    return InterlockedIncrement(&c->refs);
}

static ULONG jc_Release(bitsdo_job_client *c)
{
    ULONG refs = InterlockedDecrement(&c->refs);
    size_t i;

    if (!refs) {
        for (i = 0; i < ARRAYSIZE(c->held); i++)
            if (c->held[i])
                IUnknown_Release(c->held[i]);
        if (c->proxy)
            IUnknown_Release(c->proxy);
        view_put(c->view);
        free(c);
        bitsdo_module_release();
    }
    return refs;
}

static bitsdo_job_client *impl_from_IUnknown(IUnknown *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_job_client, IUnknown_iface);
}

static HRESULT WINAPI unk_QueryInterface(IUnknown *iface, REFIID riid, void **out)
{
    return jc_QueryInterface(impl_from_IUnknown(iface), riid, out);
}

static ULONG WINAPI unk_AddRef(IUnknown *iface)
{
    return jc_AddRef(impl_from_IUnknown(iface));
}

static ULONG WINAPI unk_Release(IUnknown *iface)
{
    return jc_Release(impl_from_IUnknown(iface));
}

static const IUnknownVtbl unk_vtbl = {
    unk_QueryInterface,
    unk_AddRef,
    unk_Release,
};

/* The proxy interface behind one of this object's interface pointers. */
static IUnknown *proxy_behind(bitsdo_job_client *c, IUnknown *ours)
{
    int family;

    for (family = 0; family < JC_INNER_COUNT; family++)
        if (ours == family_iface(c, family) && c->inner[family])
            return c->inner[family];
    return c->proxy;
}

/* --- IMarshal --------------------------------------------------------------- */

static bitsdo_job_client *impl_from_IMarshal(IMarshal *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_job_client, IMarshal_iface);
}

static HRESULT WINAPI jm_QueryInterface(IMarshal *iface, REFIID riid, void **out)
{
    return jc_QueryInterface(impl_from_IMarshal(iface), riid, out);
}

static ULONG WINAPI jm_AddRef(IMarshal *iface)
{
    return jc_AddRef(impl_from_IMarshal(iface));
}

static ULONG WINAPI jm_Release(IMarshal *iface)
{
    return jc_Release(impl_from_IMarshal(iface));
}

/* Another apartment or process of this machine gets a client object again;
 * further away, the proxy's own marshaling applies. */
static BOOL keeps_client(bitsdo_job_client *c, DWORD dest)
{
    return c->proxy && (dest == MSHCTX_INPROC || dest == MSHCTX_LOCAL || dest == MSHCTX_NOSHAREDMEM);
}

static HRESULT proxy_marshal(bitsdo_job_client *c, IMarshal **out)
{
    if (!c->proxy)
        return E_UNEXPECTED;
    return IUnknown_QueryInterface(c->proxy, &IID_IMarshal, (void **)out);
}

static HRESULT WINAPI jm_GetUnmarshalClass(IMarshal *iface, REFIID riid, void *pv, DWORD dest, void *dest_ctx,
                                           DWORD flags, CLSID *clsid)
{
    bitsdo_job_client *c = impl_from_IMarshal(iface);
    IMarshal *m;
    HRESULT hr;

    if (!clsid)
        return E_POINTER;
    if (keeps_client(c, dest)) {
        *clsid = CLSID_BitsdoJobClient;
        return S_OK;
    }
    if (FAILED(hr = proxy_marshal(c, &m)))
        return hr;
    hr = IMarshal_GetUnmarshalClass(m, riid, pv, dest, dest_ctx, flags, clsid);
    IMarshal_Release(m);
    return hr;
}

static HRESULT WINAPI jm_GetMarshalSizeMax(IMarshal *iface, REFIID riid, void *pv, DWORD dest, void *dest_ctx,
                                           DWORD flags, DWORD *size)
{
    bitsdo_job_client *c = impl_from_IMarshal(iface);
    IMarshal *m;
    HRESULT hr;

    if (!size)
        return E_POINTER;
    if (keeps_client(c, dest)) {
        if (SUCCEEDED(hr = CoGetMarshalSizeMax(size, riid, c->proxy, dest, dest_ctx, flags)))
            *size += sizeof(bitsdo_jobref);
        return hr;
    }
    if (FAILED(hr = proxy_marshal(c, &m)))
        return hr;
    hr = IMarshal_GetMarshalSizeMax(m, riid, pv, dest, dest_ctx, flags, size);
    IMarshal_Release(m);
    return hr;
}

struct proxy_marshal_args {
    IUnknown *proxy;
    REFIID riid;
    DWORD dest;
    void *dest_ctx;
    DWORD flags;
};

/* The proxy's own marshaling: the receiver gets a proxy of the host's
 * object (a table marshaling of a proxy cannot be released here: see the
 * facts in docs/hosting.md; callers that table-marshal a client object
 * leak one host reference, as with any proxy). */
static HRESULT proxy_marshal_into(void *ctx, IStream *stream)
{
    struct proxy_marshal_args *a = ctx;

    return CoMarshalInterface(stream, a->riid, a->proxy, a->dest, a->dest_ctx, a->flags);
}

static HRESULT WINAPI jm_MarshalInterface(IMarshal *iface, IStream *stream, REFIID riid, void *pv, DWORD dest,
                                          void *dest_ctx, DWORD flags)
{
    bitsdo_job_client *c = impl_from_IMarshal(iface);
    struct proxy_marshal_args args = {c->proxy, riid, dest, dest_ctx, flags};
    bitsdo_jobref ref;
    IMarshal *m;
    HRESULT hr;

    if (!stream || !riid)
        return E_INVALIDARG;
    if (!keeps_client(c, dest)) {
        if (FAILED(hr = proxy_marshal(c, &m)))
            return hr;
        hr = IMarshal_MarshalInterface(m, stream, riid, pv, dest, dest_ctx, flags);
        IMarshal_Release(m);
        return hr;
    }
    ref = c->ref;
    ref.iid = *riid;
    return bitsdo_jobref_write(stream, &ref, &c->IUnknown_iface, riid, dest, dest_ctx, flags, proxy_marshal_into,
                               &args);
}

static BOOL custom_disabled(void)
{
    WCHAR value[8];
    DWORD n = GetEnvironmentVariableW(L"BITSDO_NO_CUSTOM_MARSHAL", value, ARRAYSIZE(value));

    return n && n < ARRAYSIZE(value) && value[0] == L'1';
}

static HRESULT client_new(bitsdo_job_client **out);

static HRESULT WINAPI jm_UnmarshalInterface(IMarshal *iface, IStream *stream, REFIID riid, void **out)
{
    bitsdo_job_client *c;
    bitsdo_jobref ref;
    IUnknown *proxy = NULL, *unk = NULL;
    HRESULT hr;

    (void)iface;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (FAILED(hr = bitsdo_jobref_read(stream, &ref)))
        return hr;
    if (FAILED(hr = CoUnmarshalInterface(stream, &ref.iid, (void **)&proxy)))
        return hr;
    if (FAILED(hr = bitsdo_jobref_skip(stream, &ref))) {
        IUnknown_Release(proxy);
        return hr;
    }
    if (custom_disabled()) {
        hr = IUnknown_QueryInterface(proxy, riid, out);
        IUnknown_Release(proxy);
        return hr;
    }
    hr = IUnknown_QueryInterface(proxy, &IID_IUnknown, (void **)&unk);
    IUnknown_Release(proxy);
    if (FAILED(hr))
        return hr;
    if (FAILED(hr = client_new(&c))) {
        IUnknown_Release(unk);
        return hr;
    }
    c->ref = ref;
    c->proxy = unk;
    if (ref.slot < BITSDO_PROGMAP_SLOTS && (c->view = view_get(&ref)))
        c->slot = &c->view->map->slots[ref.slot];
    hr = jc_QueryInterface(c, riid, out);
    jc_Release(c);
    return hr;
}

static HRESULT WINAPI jm_ReleaseMarshalData(IMarshal *iface, IStream *stream)
{
    bitsdo_jobref ref;
    HRESULT hr;

    (void)iface;
    if (FAILED(hr = bitsdo_jobref_read(stream, &ref)))
        return hr;
    if (FAILED(hr = CoReleaseMarshalData(stream)))
        return hr;
    return bitsdo_jobref_skip(stream, &ref);
}

/* Nothing of ours is connected: the host disconnects its own objects. */
static HRESULT WINAPI jm_DisconnectObject(IMarshal *iface, DWORD reserved)
{
    (void)iface;
    (void)reserved;
    return S_OK;
}

static const IMarshalVtbl jm_vtbl = {
    jm_QueryInterface,
    jm_AddRef,
    jm_Release,
    jm_GetUnmarshalClass,
    jm_GetMarshalSizeMax,
    jm_MarshalInterface,
    jm_UnmarshalInterface,
    jm_ReleaseMarshalData,
    jm_DisconnectObject,
};

/* --- IClientSecurity -------------------------------------------------------- */

static bitsdo_job_client *impl_from_IClientSecurity(IClientSecurity *iface)
{
    return CONTAINING_RECORD(iface, bitsdo_job_client, IClientSecurity_iface);
}

static HRESULT WINAPI cs_QueryInterface(IClientSecurity *iface, REFIID riid, void **out)
{
    return jc_QueryInterface(impl_from_IClientSecurity(iface), riid, out);
}

static ULONG WINAPI cs_AddRef(IClientSecurity *iface)
{
    return jc_AddRef(impl_from_IClientSecurity(iface));
}

static ULONG WINAPI cs_Release(IClientSecurity *iface)
{
    return jc_Release(impl_from_IClientSecurity(iface));
}

/* The proxy's IClientSecurity, if it has one. */
static IClientSecurity *proxy_security(bitsdo_job_client *c)
{
    IClientSecurity *cs = NULL;

    if (FAILED(IUnknown_QueryInterface(c->proxy, &IID_IClientSecurity, (void **)&cs)))
        return NULL;
    return cs;
}

static HRESULT WINAPI cs_QueryBlanket(IClientSecurity *iface, IUnknown *target, DWORD *authn, DWORD *authz,
                                      OLECHAR **principal, DWORD *level, DWORD *imp, void **auth_info,
                                      DWORD *caps)
{
    bitsdo_job_client *c = impl_from_IClientSecurity(iface);
    IClientSecurity *cs;
    HRESULT hr = E_NOTIMPL;

    if (!target)
        return E_INVALIDARG;
    if ((cs = proxy_security(c))) {
        hr = IClientSecurity_QueryBlanket(
            cs, proxy_behind(c, target), authn, authz, principal, level, imp, auth_info, caps);
        IClientSecurity_Release(cs);
    }
    if (hr != E_NOTIMPL)
        return hr;
    /* Wine's proxies do not keep a blanket: report the one set on us. */
    AcquireSRWLockShared(&c->lock);
    if (authn)
        *authn = c->authn;
    if (authz)
        *authz = c->authz;
    if (principal)
        *principal = NULL;
    if (level)
        *level = c->authn_level;
    if (imp)
        *imp = c->imp_level;
    if (auth_info)
        *auth_info = NULL;
    if (caps)
        *caps = c->caps;
    ReleaseSRWLockShared(&c->lock);
    return S_OK;
}

static HRESULT WINAPI cs_SetBlanket(IClientSecurity *iface, IUnknown *target, DWORD authn, DWORD authz,
                                    OLECHAR *principal, DWORD level, DWORD imp, void *auth_info, DWORD caps)
{
    bitsdo_job_client *c = impl_from_IClientSecurity(iface);
    IClientSecurity *cs;
    HRESULT hr = E_NOTIMPL;

    if (!target)
        return E_INVALIDARG;
    if ((cs = proxy_security(c))) {
        hr = IClientSecurity_SetBlanket(
            cs, proxy_behind(c, target), authn, authz, principal, level, imp, auth_info, caps);
        IClientSecurity_Release(cs);
    }
    if (FAILED(hr) && hr != E_NOTIMPL)
        return hr;
    /* Kept for QueryBlanket (the principal, possibly
     * COLE_DEFAULT_PRINCIPAL, is not looked at). The defaults keep what
     * was there. */
    AcquireSRWLockExclusive(&c->lock);
    if (authn != RPC_C_AUTHN_DEFAULT)
        c->authn = authn;
    if (authz != RPC_C_AUTHZ_DEFAULT)
        c->authz = authz;
    if (level != RPC_C_AUTHN_LEVEL_DEFAULT)
        c->authn_level = level;
    if (imp != RPC_C_IMP_LEVEL_DEFAULT)
        c->imp_level = imp;
    if (caps != EOAC_DEFAULT)
        c->caps = caps;
    ReleaseSRWLockExclusive(&c->lock);
    return S_OK;
}

/* A copy would need a second proxy with a blanket of its own; the calls
 * of this object carry none (Wine's proxies ignore blankets), so the copy
 * is the object itself. */
static HRESULT WINAPI cs_CopyProxy(IClientSecurity *iface, IUnknown *target, IUnknown **copy)
{
    (void)iface;
    if (!copy)
        return E_POINTER;
    *copy = NULL;
    if (!target)
        return E_INVALIDARG;
    IUnknown_AddRef(target);
    *copy = target;
    return S_OK;
}

static const IClientSecurityVtbl cs_vtbl = {
    cs_QueryInterface,
    cs_AddRef,
    cs_Release,
    cs_QueryBlanket,
    cs_SetBlanket,
    cs_CopyProxy,
};

/* --- construction ----------------------------------------------------------- */

static HRESULT client_new(bitsdo_job_client **out)
{
    bitsdo_job_client *c;

    if (!(c = calloc(1, sizeof(*c))))
        return E_OUTOFMEMORY;
    c->IUnknown_iface.lpVtbl = &unk_vtbl;
    c->IMarshal_iface.lpVtbl = &jm_vtbl;
    c->IClientSecurity_iface.lpVtbl = &cs_vtbl;
    c->IBackgroundCopyJob5_iface.lpVtbl = &jc_IBackgroundCopyJob5_vtbl;
    c->IBackgroundCopyJobHttpOptions_iface.lpVtbl = &jc_IBackgroundCopyJobHttpOptions_vtbl;
    c->IDeliveryOptimizationJob_iface.lpVtbl = &jc_IDeliveryOptimizationJob_vtbl;
    c->IDeliveryOptimizationJob2_iface.lpVtbl = &jc_IDeliveryOptimizationJob2_vtbl;
    c->IDODownload_iface.lpVtbl = &jc_IDODownload_vtbl;
    c->IDOManager_iface.lpVtbl = &jc_IDOManager_vtbl;
    c->refs = 1;
    InitializeSRWLock(&c->lock);
    c->authn = RPC_C_AUTHN_WINNT;
    c->authz = RPC_C_AUTHZ_NONE;
    c->authn_level = RPC_C_AUTHN_LEVEL_CONNECT;
    c->imp_level = RPC_C_IMP_LEVEL_IDENTIFY;
    c->caps = EOAC_NONE;
    bitsdo_module_addref();
    *out = c;
    return S_OK;
}

HRESULT bitsdo_job_client_create(REFIID riid, void **out)
{
    bitsdo_job_client *c;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (FAILED(hr = client_new(&c)))
        return hr;
    hr = jc_QueryInterface(c, riid, out);
    jc_Release(c);
    return hr;
}
