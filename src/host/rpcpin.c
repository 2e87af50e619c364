/* Pins the host's RPC interface registrations.
 *
 * COM registers an RPC interface for an IID when the first stub of that IID
 * is created in the process and unregisters it, waiting for its calls to
 * complete (RpcServerUnregisterIf with WaitForCallsToComplete), when the
 * last stub of that IID goes. Wine's rpcrt4 (seen with Wine 8) answers a
 * call, then counts the call as ended; when a client releases its last
 * object of an IID (IRemUnknown::RemRelease, on another server thread) in
 * between, the unregistration can miss the end of that call and wait for
 * ever: the client's Release never returns. The per-user host met it about
 * once in a few thousand CreateJob + AddFile + Release rounds of the scale
 * bench (docs/benchmarks.md).
 *
 * So the host never lets the last stub of one of its IIDs go: at start it
 * marshals one inert object, table-strong, for each IID its objects expose.
 * Nobody ever unmarshals those streams; the object's methods beyond IUnknown
 * are never called (no client holds a reference to it), and answer
 * E_UNEXPECTED should anything try. The pins are never released: they go
 * with the host's apartment at CoUninitialize, as the process ends
 * (releasing them one by one at exit only made the exit longer). */
#include "rpcpin.h"

#include <objbase.h>

#include "bitsdo.h"

#define PIN_METHODS 128 /* more than any pinned interface has */

static HRESULT STDMETHODCALLTYPE pin_QueryInterface(IUnknown *iface, REFIID riid, void **out);
static ULONG STDMETHODCALLTYPE pin_AddRef(IUnknown *iface);
static ULONG STDMETHODCALLTYPE pin_Release(IUnknown *iface);

static const IID *const pinned_iids[] = {
    &IID_IUnknown,
    &IID_IBackgroundCopyManager,
    &IID_IBackgroundCopyJob,
    &IID_IBackgroundCopyJob2,
    &IID_IBackgroundCopyJob3,
    &IID_IBackgroundCopyJob4,
    &IID_IBackgroundCopyJob5,
    &IID_IBackgroundCopyJobHttpOptions,
    &IID_IBitsTokenOptions,
    &IID_IBackgroundCopyFile,
    &IID_IBackgroundCopyFile2,
    &IID_IBackgroundCopyFile3,
    &IID_IBackgroundCopyFile4,
    &IID_IBackgroundCopyFile5,
    &IID_IBackgroundCopyFile6,
    &IID_IEnumBackgroundCopyJobs,
    &IID_IEnumBackgroundCopyFiles,
    &IID_IBackgroundCopyError,
    &IID_IDeliveryOptimizationJob,
    &IID_IDeliveryOptimizationJob2,
    &IID_IDeliveryOptimizationFile,
    &IID_IDeliveryOptimizationFile2,
    &IID_IDOManager,
    &IID_IDODownload,
    &IID_IEnumUnknown,
    &IID_IBackgroundCopyQMgr,
    &IID_IBackgroundCopyGroup,
    &IID_IBackgroundCopyJob1,
    &IID_IEnumBackgroundCopyGroups,
    &IID_IEnumBackgroundCopyJobs1,
};

#define PIN_COUNT (sizeof(pinned_iids) / sizeof(pinned_iids[0]))

/* Every method after IUnknown's: never called (see above). */
static HRESULT STDMETHODCALLTYPE pin_unexpected(void)
{
    return E_UNEXPECTED;
}

typedef struct pin_vtbl {
    void *methods[PIN_METHODS];
} pin_vtbl;

static pin_vtbl vtbl;
static struct {
    const pin_vtbl *lpVtbl;
} pin_object = {&vtbl};
static IStream *streams[PIN_COUNT];

static HRESULT STDMETHODCALLTYPE pin_QueryInterface(IUnknown *iface, REFIID riid, void **out)
{
    size_t i;

    for (i = 0; i < PIN_COUNT; i++) {
        if (IsEqualIID(riid, pinned_iids[i])) {
            *out = iface;
            return S_OK;
        }
    }
    *out = NULL;
    return E_NOINTERFACE;
}

/* A static object: its life is the process's. */
static ULONG STDMETHODCALLTYPE pin_AddRef(IUnknown *iface)
{
    (void)iface;
    return 2;
}

static ULONG STDMETHODCALLTYPE pin_Release(IUnknown *iface)
{
    (void)iface;
    return 1;
}

void bitsdo_rpcpin_start(void)
{
    IUnknown *unk = (IUnknown *)&pin_object;
    size_t i;

    vtbl.methods[0] = (void *)pin_QueryInterface;
    vtbl.methods[1] = (void *)pin_AddRef;
    vtbl.methods[2] = (void *)pin_Release;
    for (i = 3; i < PIN_METHODS; i++)
        vtbl.methods[i] = (void *)pin_unexpected;
    for (i = 0; i < PIN_COUNT; i++) {
        if (streams[i] || FAILED(CreateStreamOnHGlobal(NULL, TRUE, &streams[i])))
            continue;
        if (FAILED(CoMarshalInterface(
                streams[i], pinned_iids[i], unk, MSHCTX_LOCAL, NULL, MSHLFLAGS_TABLESTRONG))) {
            IStream_Release(streams[i]);
            streams[i] = NULL;
        }
    }
}
