/* What a host job object writes in front of its standard marshaling when it
 * marshals itself for another process (docs/hosting.md, section 5), and
 * what the client object (job_client.c) reads back. Fixed-size and the same
 * in both bitnesses: a 32-bit client reads what a 64-bit host wrote.
 *
 * marshal_host.c: the IMarshal the host's job objects embed. In host mode,
 * for MSHCTX_LOCAL, with a slot for the job, it names CLSID_BitsdoJobClient
 * as the unmarshal class and writes this header then the standard
 * marshaling of the same object (CoGetStandardMarshal); in every other
 * case every method is the standard marshaler's answer. */
#ifndef BITSDO_COM_JOBREF_H
#define BITSDO_COM_JOBREF_H

#include "objects.h"

#include <stddef.h>
#include <stdint.h>

#define BITSDO_JOBREF_MAGIC   0x434a4442u /* "BDJC" */
#define BITSDO_JOBREF_VERSION 2u

/* Which facade an object is: what the client answers for it. */
enum bitsdo_facade {
    BITSDO_FACADE_BITS_JOB = 1,   /* IBackgroundCopyJob..Job5 and friends */
    BITSDO_FACADE_DO_DOWNLOAD = 2, /* IDODownload */
    BITSDO_FACADE_DO_MANAGER = 3   /* IDOManager: no job, no slot (IClientSecurity is the point) */
};

typedef struct bitsdo_jobref {
    uint32_t magic;
    uint32_t version;
    uint32_t facade;     /* enum bitsdo_facade */
    uint32_t slot;       /* in the progress mapping */
    uint64_t generation; /* the host's: names the progress mapping */
    uint32_t host_pid;
    uint32_t padding;    /* zero bytes after the standard marshaling */
    GUID job_id; /* what the slot must hold */
    IID iid;     /* the interface marshaled after this header */
} bitsdo_jobref;

_Static_assert(offsetof(bitsdo_jobref, generation) == 16, "jobref layout");
_Static_assert(offsetof(bitsdo_jobref, job_id) == 32, "jobref layout");
_Static_assert(sizeof(bitsdo_jobref) == 64, "jobref layout");

typedef struct bitsdo_marshal_host {
    IMarshal IMarshal_iface;
    IUnknown *outer; /* the object's IUnknown (not referenced) */
    bitsdo_job *job; /* not referenced: the object holds it; NULL for a manager */
    uint32_t facade;
} bitsdo_marshal_host;

void bitsdo_marshal_host_init(bitsdo_marshal_host *m, IUnknown *outer, bitsdo_job *job, uint32_t facade);
/* Whether the object answers IMarshal at all: only in a host, for a job
 * with a progress slot or for a manager (job NULL). Elsewhere (the private in-process classes) COM's
 * standard marshaling applies untouched, as it did before the host. */
BOOL bitsdo_marshal_host_wanted(const bitsdo_marshal_host *m);

/* The custom data is exactly as long as COM's sizing said, never shorter:
 * Wine's NDR places what follows an array of interface pointers by
 * CoGetMarshalSizeMax's figures, not by what was written (seen with
 * IEnumBackgroundCopyJobs::Next: the count after the array read from the
 * wrong place). For a custom marshaler that figure is our
 * GetMarshalSizeMax plus sizeof(OBJREF), "like native does", while
 * CoMarshalInterface writes only the OBJREF_CUSTOM header in front of our
 * data. So our data is the header, the standard marshaling, then zeros up
 * to CoGetMarshalSizeMax minus that header; `padding` says how many zeros,
 * and the reader skips them, so a stream holding several marshalings
 * stays readable.
 *
 * bitsdo_jobref_write: writes *ref (its padding set here), then what
 * `marshal` writes (called with a scratch stream), then the padding;
 * `self` and the marshaling arguments are those MarshalInterface got. */
typedef HRESULT (*bitsdo_jobref_marshal_fn)(void *ctx, IStream *stream);
HRESULT bitsdo_jobref_write(IStream *stream, bitsdo_jobref *ref, IUnknown *self, REFIID riid, DWORD dest,
                            void *dest_ctx, DWORD flags, bitsdo_jobref_marshal_fn marshal, void *ctx);
/* Reads and checks a header (RPC_E_INVALID_OBJREF when it is not ours). */
HRESULT bitsdo_jobref_read(IStream *stream, bitsdo_jobref *ref);
/* After the standard marshaling has been read or released: skips the padding. */
HRESULT bitsdo_jobref_skip(IStream *stream, const bitsdo_jobref *ref);

/* job_client.c: CLSID_BitsdoJobClient's constructor (the unmarshaler). */
HRESULT bitsdo_job_client_create(REFIID riid, void **out);

#endif
