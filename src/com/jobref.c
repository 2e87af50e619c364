/* The custom marshaling data of a host job object (jobref.h): header,
 * standard marshaling, zeros up to the size announced by
 * GetMarshalSizeMax. Written by the host's objects (marshal_host.c) and by
 * the client objects that pass themselves on (job_client.c); read by the
 * client objects. Invariant: a writer writes exactly `declared` bytes when
 * the standard marshaling fits in it, and a reader leaves the stream just
 * after those bytes. */
#include "jobref.h"

/* OBJREF_CUSTOM's fixed part on the wire (MS-DCOM 2.2.18.6): signature,
 * flags, iid, clsid, cbExtension, size. */
#define OBJREF_CUSTOM_HEADER (4 + 4 + 16 + 16 + 4 + 4)

HRESULT bitsdo_jobref_write(IStream *stream, bitsdo_jobref *ref, IUnknown *self, REFIID riid, DWORD dest,
                            void *dest_ctx, DWORD flags, bitsdo_jobref_marshal_fn marshal, void *ctx)
{
    static const BYTE zeros[64];
    LARGE_INTEGER zero = {{0}};
    ULARGE_INTEGER end;
    IStream *body = NULL;
    HGLOBAL mem = NULL;
    ULONG written = 0, left;
    BYTE *data = NULL;
    DWORD declared = 0;
    HRESULT hr;

    if (!stream)
        return E_INVALIDARG;
    if (FAILED(hr = CoGetMarshalSizeMax(&declared, riid, self, dest, dest_ctx, flags)))
        return hr;
    declared = declared > OBJREF_CUSTOM_HEADER ? declared - OBJREF_CUSTOM_HEADER : 0;
    /* The standard marshaling goes to a scratch stream first: its length
     * decides the padding, which the header carries. */
    if (FAILED(hr = CreateStreamOnHGlobal(NULL, TRUE, &body)))
        return hr;
    if (FAILED(hr = marshal(ctx, body))) {
        IStream_Release(body);
        return hr;
    }
    hr = IStream_Seek(body, zero, STREAM_SEEK_CUR, &end);
    if (SUCCEEDED(hr) && end.QuadPart > MAXDWORD - sizeof(*ref))
        hr = E_UNEXPECTED;
    if (SUCCEEDED(hr))
        hr = GetHGlobalFromStream(body, &mem);
    if (SUCCEEDED(hr) && !(data = GlobalLock(mem)))
        hr = E_OUTOFMEMORY;
    if (SUCCEEDED(hr)) {
        DWORD used = sizeof(*ref) + end.LowPart;

        ref->padding = declared > used ? declared - used : 0;
        hr = IStream_Write(stream, ref, sizeof(*ref), &written);
        if (SUCCEEDED(hr) && written != sizeof(*ref))
            hr = STG_E_MEDIUMFULL;
        if (SUCCEEDED(hr) && end.LowPart) {
            hr = IStream_Write(stream, data, end.LowPart, &written);
            if (SUCCEEDED(hr) && written != end.LowPart)
                hr = STG_E_MEDIUMFULL;
        }
        for (left = ref->padding; SUCCEEDED(hr) && left;) {
            ULONG n = left < sizeof(zeros) ? left : sizeof(zeros);

            hr = IStream_Write(stream, zeros, n, &written);
            if (SUCCEEDED(hr) && written != n)
                hr = STG_E_MEDIUMFULL;
            left -= n;
        }
        GlobalUnlock(mem);
    }
    if (FAILED(hr)) {
        /* Nobody will unmarshal what the scratch stream holds: release the
         * references it carries. */
        if (SUCCEEDED(IStream_Seek(body, zero, STREAM_SEEK_SET, NULL)))
            CoReleaseMarshalData(body);
    }
    IStream_Release(body);
    return hr;
}

HRESULT bitsdo_jobref_read(IStream *stream, bitsdo_jobref *ref)
{
    ULONG read = 0;
    HRESULT hr;

    if (!stream)
        return E_INVALIDARG;
    if (FAILED(hr = IStream_Read(stream, ref, sizeof(*ref), &read)))
        return hr;
    if (read != sizeof(*ref) || ref->magic != BITSDO_JOBREF_MAGIC || ref->version != BITSDO_JOBREF_VERSION)
        return RPC_E_INVALID_OBJREF;
    return S_OK;
}

HRESULT bitsdo_jobref_skip(IStream *stream, const bitsdo_jobref *ref)
{
    LARGE_INTEGER move;

    if (!ref->padding)
        return S_OK;
    move.QuadPart = ref->padding;
    return IStream_Seek(stream, move, STREAM_SEEK_CUR, NULL);
}
