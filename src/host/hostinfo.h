/* What the per-user host publishes so that clients find it without going
 * through rpcss (docs/hosting.md, section 2), and the names of the kernel
 * objects that go with it.
 *
 * The info block lives in a named file mapping. Its layout is fixed-size
 * and the same for 32-bit and 64-bit processes (fixed-width fields only,
 * explicit padding, no pointers): a 32-bit client reads what a 64-bit host
 * wrote. The host is its only writer; it writes under a sequence word (odd
 * while writing), and readers copy the block and retry until they saw the
 * same even sequence before and after, so a reader never uses a
 * half-written class object reference. */
#ifndef BITSDO_HOST_HOSTINFO_H
#define BITSDO_HOST_HOSTINFO_H

#include <windows.h>
#include <objbase.h>
#include <stdint.h>

#define BITSDO_HOST_INFO_MAGIC 0x49484442u /* "BDHI" */
#define BITSDO_HOST_INFO_VERSION 1u
#define BITSDO_HOST_CLASSES 3
#define BITSDO_HOST_OBJREF_MAX 1024

enum bitsdo_host_state {
    BITSDO_HOST_NONE = 0,      /* never written, or written by no host */
    BITSDO_HOST_READY = 1,     /* the class objects below can be unmarshaled */
    BITSDO_HOST_EXITING = 2,   /* the host is going away: start a new one */
};

typedef struct bitsdo_host_class_ref {
    GUID clsid;                          /* a public class */
    uint32_t objref_len;                 /* bytes used in objref */
    uint32_t reserved;
    uint8_t objref[BITSDO_HOST_OBJREF_MAX]; /* IClassFactory, MSHLFLAGS_TABLESTRONG */
} bitsdo_host_class_ref;

typedef struct bitsdo_host_info {
    uint32_t magic;
    uint32_t version;
    volatile LONG seq;                   /* odd while the host writes */
    uint32_t state;                      /* enum bitsdo_host_state */
    uint32_t pid;                        /* the host process */
    uint32_t class_count;
    uint64_t generation;                 /* FILETIME of the host's start */
    volatile LONG64 heartbeat;           /* host's GetTickCount64, every 250 ms */
    bitsdo_host_class_ref classes[BITSDO_HOST_CLASSES];
} bitsdo_host_info;

/* Layout checks: the same offsets in both bitnesses. */
_Static_assert(sizeof(bitsdo_host_class_ref) == 24 + BITSDO_HOST_OBJREF_MAX, "class ref layout");
_Static_assert(sizeof(bitsdo_host_info) == 40 + BITSDO_HOST_CLASSES * sizeof(bitsdo_host_class_ref),
               "host info layout");

/* The names of the host's kernel objects for the calling process's user
 * ("Local\bitsdo-<SID>-<what>"), written into buf (cap characters).
 * `what` is one of the BITSDO_HOST_NAME_* suffixes. FALSE if the user's
 * SID could not be read or the name does not fit. */
#define BITSDO_HOST_NAME_LOCK L"host-lock"
#define BITSDO_HOST_NAME_READY L"host-ready"
#define BITSDO_HOST_NAME_INFO L"host-info"
#define BITSDO_HOST_NAME_STOP L"host-stop"
BOOL bitsdo_host_object_name(const WCHAR *what, WCHAR *buf, size_t cap);
/* The progress mapping of host generation `generation` (src/core/progmap.h):
 * "Local\bitsdo-<SID>-progress-<generation as 16 hex digits>". */
BOOL bitsdo_host_progress_name(uint64_t generation, WCHAR *buf, size_t cap);

/* Copies a consistent snapshot of the published info (seqlock read).
 * FALSE if it kept changing for too long (the copy is then unusable). */
BOOL bitsdo_host_info_read(const bitsdo_host_info *shared, bitsdo_host_info *copy);

/* host.c: runs the host in this process until it is idle (the body of
 * bitsdo-host.exe). Returns the process exit code. */
DWORD bitsdo_host_run(const WCHAR *command_line);
/* host.c: "-Stop": asks this user's running host to leave and waits,
 * bounded, until it has (0: no host runs any more). */
DWORD bitsdo_host_stop(void);
/* TRUE inside a running host: the public classes make real objects here. */
BOOL bitsdo_host_mode(void);
/* host.c: in host mode with a progress mapping, this host's generation. */
BOOL bitsdo_host_progress(uint64_t *generation);

/* connect.c: in a client process, the host's class object for a public
 * CLSID (IClassFactory, a proxy), starting the host if none runs. */
HRESULT bitsdo_host_class_object(REFCLSID clsid, IClassFactory **out);

#endif
